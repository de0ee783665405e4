/**
 * WebSocket close codes (RFC 6455 §7.4.1, and the IANA registry) and which
 * of them a peer may send.
 *
 * @module
 */

/** The close codes triloop sends or reads. */
export const CloseCode = {
  /** The purpose of the connection was fulfilled. */
  NORMAL: 1000,
  /** The server is going down (graceful shutdown) or the page went away. */
  GOING_AWAY: 1001,
  /** The peer broke the protocol. */
  PROTOCOL_ERROR: 1002,
  /** A kind of data the endpoint cannot accept. */
  UNSUPPORTED_DATA: 1003,
  /** Reported, never sent: the close frame had no status code. */
  NO_STATUS: 1005,
  /** Reported, never sent: the connection ended without a close frame. */
  ABNORMAL: 1006,
  /** A text message (or close reason) that is not UTF-8. */
  INVALID_PAYLOAD: 1007,
  /** A message that breaks the server's policy (the backpressure limit). */
  POLICY_VIOLATION: 1008,
  /** A message over `maxPayloadLength`. */
  MESSAGE_TOO_BIG: 1009,
  /** The handler threw. */
  INTERNAL_ERROR: 1011,
} as const;

/** Whether a peer may put `code` in a close frame (RFC 6455 §7.4; 1012–1014 from the IANA registry). */
export function sendableCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}
