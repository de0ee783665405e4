// The slice of Bun's API the adapter calls (https://bun.sh/docs/api/tcp),
// declared here so type checks need no Bun package.

declare namespace BunShim {
  interface Socket<T = unknown> {
    data: T;
    write(data: Uint8Array | string): number;
    shutdown(halfClose?: boolean): void;
    end(): void;
    terminate(): void;
    pause(): void;
    resume(): void;
    setNoDelay(enable?: boolean): boolean;
    readonly remoteAddress: string;
    readonly remotePort: number;
    readonly localAddress: string;
    readonly localPort: number;
  }
  interface SocketHandler<T = unknown> {
    open?(socket: Socket<T>): void;
    data?(socket: Socket<T>, data: Uint8Array): void;
    drain?(socket: Socket<T>): void;
    end?(socket: Socket<T>): void;
    close?(socket: Socket<T>, error?: Error): void;
    error?(socket: Socket<T>, error: Error): void;
    connectError?(socket: Socket<T>, error: Error): void;
    handshake?(socket: Socket<T>, success: boolean, authorizationError: Error | null): void;
  }
  /** Bun's TLS options (https://bun.sh/docs/api/tcp#tls); `ALPNProtocols` in the wire format. */
  interface TLSOptions {
    cert?: string;
    key?: string;
    passphrase?: string;
    ca?: string;
    serverName?: string;
    ALPNProtocols?: ArrayBuffer | string;
  }
  interface TCPSocketListener {
    readonly port: number;
    readonly hostname: string;
    stop(closeActiveConnections?: boolean): void;
  }
  interface ListenOptions<T> {
    hostname: string;
    port: number;
    reusePort?: boolean;
    allowHalfOpen?: boolean;
    tls?: TLSOptions;
    socket: SocketHandler<T>;
  }
  interface ConnectOptions<T> {
    hostname: string;
    port: number;
    allowHalfOpen?: boolean;
    tls?: TLSOptions;
    socket: SocketHandler<T>;
  }
  // Bun.serve (https://bun.sh/docs/api/http), for the native engine.
  interface HttpServer {
    readonly port: number;
    readonly hostname: string;
    readonly pendingRequests: number;
    requestIP(request: Request): { address: string; port: number; family: "IPv4" | "IPv6" } | null;
    stop(closeActiveConnections?: boolean): Promise<void>;
    upgrade(request: Request, options?: { data?: unknown; headers?: HeadersInit }): boolean;
    publish(topic: string, data: string | ArrayBuffer | ArrayBufferView, compress?: boolean): number;
    subscriberCount(topic: string): number;
    reload(options: { tls?: TLSOptions | TLSOptions[] }): void;
  }
  // Bun.serve's websocket (https://bun.sh/docs/api/websockets).
  interface ServerWebSocket<T = unknown> {
    data: T;
    readonly readyState: 0 | 1 | 2 | 3;
    readonly remoteAddress: string;
    binaryType: "nodebuffer" | "arraybuffer" | "uint8array";
    sendText(data: string, compress?: boolean): number;
    sendBinary(data: ArrayBuffer | ArrayBufferView, compress?: boolean): number;
    close(code?: number, reason?: string): void;
    terminate(): void;
    ping(data?: string | ArrayBuffer | ArrayBufferView): number;
    pong(data?: string | ArrayBuffer | ArrayBufferView): number;
    publish(topic: string, data: string | ArrayBuffer | ArrayBufferView, compress?: boolean): number;
    subscribe(topic: string): void;
    unsubscribe(topic: string): void;
    isSubscribed(topic: string): boolean;
    cork<R>(callback: (ws: ServerWebSocket<T>) => R): R;
    getBufferedAmount(): number;
  }
  interface WebSocketHandler<T = unknown> {
    open?(ws: ServerWebSocket<T>): void;
    message(ws: ServerWebSocket<T>, message: string | Uint8Array | ArrayBuffer): void;
    close?(ws: ServerWebSocket<T>, code: number, reason: string): void;
    drain?(ws: ServerWebSocket<T>): void;
    ping?(ws: ServerWebSocket<T>, data: Uint8Array): void;
    pong?(ws: ServerWebSocket<T>, data: Uint8Array): void;
    [option: string]: unknown;
  }
  interface ServeOptions {
    hostname: string;
    port: number;
    reusePort?: boolean;
    maxRequestBodySize?: number;
    idleTimeout?: number;
    development?: boolean;
    tls?: TLSOptions | TLSOptions[];
    fetch(request: Request, server: HttpServer): Response | undefined | Promise<Response | undefined>;
    websocket?: WebSocketHandler;
    error?(error: Error): Response | Promise<Response>;
  }
}

declare const Bun: {
  serve(options: BunShim.ServeOptions): BunShim.HttpServer;
  readonly version: string;
  listen<T>(options: BunShim.ListenOptions<T>): BunShim.TCPSocketListener;
  connect<T>(options: BunShim.ConnectOptions<T>): Promise<BunShim.Socket<T>>;
};
