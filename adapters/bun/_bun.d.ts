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
    socket: SocketHandler<T>;
  }
  interface ConnectOptions<T> {
    hostname: string;
    port: number;
    allowHalfOpen?: boolean;
    socket: SocketHandler<T>;
  }
  // Bun.serve (https://bun.sh/docs/api/http), for the native engine.
  interface HttpServer {
    readonly port: number;
    readonly hostname: string;
    readonly pendingRequests: number;
    requestIP(request: Request): { address: string; port: number; family: "IPv4" | "IPv6" } | null;
    stop(closeActiveConnections?: boolean): Promise<void>;
  }
  interface ServeOptions {
    hostname: string;
    port: number;
    reusePort?: boolean;
    maxRequestBodySize?: number;
    idleTimeout?: number;
    development?: boolean;
    fetch(request: Request, server: HttpServer): Response | Promise<Response>;
    error?(error: Error): Response | Promise<Response>;
  }
}

declare const Bun: {
  serve(options: BunShim.ServeOptions): BunShim.HttpServer;
  readonly version: string;
  listen<T>(options: BunShim.ListenOptions<T>): BunShim.TCPSocketListener;
  connect<T>(options: BunShim.ConnectOptions<T>): Promise<BunShim.Socket<T>>;
};
