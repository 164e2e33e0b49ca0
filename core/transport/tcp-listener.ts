import * as net from 'node:net';

/**
 * A bound, listening TCP port whose connections are held until the transport
 * adopts them. A peer binds its port before it opens or creates any file (a
 * port clash must not cost it a truncated file or log), and only later builds
 * the transport that handles the connections.
 */
export class TcpListener {
  private handler: ((socket: net.Socket) => void) | undefined;
  private readonly early: net.Socket[] = [];

  private constructor(readonly server: net.Server, readonly port: number) {}

  /** Binds `port` (exclusively); rejects with a one-line reason, e.g. the port is in use. */
  static bind(port: number, host: string | undefined, owner: string): Promise<TcpListener> {
    return new Promise((resolve, reject) => {
      let listener: TcpListener | undefined;
      const server = net.createServer((socket) => listener?.accept(socket));
      const onError = (err: NodeJS.ErrnoException): void => {
        reject(new Error(err.code === 'EADDRINUSE' ? `port ${port} is already in use (${owner})` : `cannot listen on port ${port}: ${err.message}`));
      };
      server.once('error', onError);
      server.listen({ port, host, exclusive: true }, () => {
        server.off('error', onError);
        listener = new TcpListener(server, port);
        resolve(listener);
      });
    });
  }

  /** From now on every connection goes to `handler`, starting with those that arrived before. */
  adopt(handler: (socket: net.Socket) => void): void {
    this.handler = handler;
    for (const socket of this.early.splice(0)) handler(socket);
  }

  close(): Promise<void> {
    for (const socket of this.early.splice(0)) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    if (this.handler) this.handler(socket);
    else {
      this.early.push(socket);
      socket.once('close', () => {
        const i = this.early.indexOf(socket);
        if (i >= 0) this.early.splice(i, 1);
      });
    }
  }
}
