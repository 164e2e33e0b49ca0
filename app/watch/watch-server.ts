import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { SwarmView } from './swarm-view';
import { WatchMessage } from './page/messages';
import { renderWatchPage } from './page/page-html';

export interface WatchServerOptions {
  /** 0: any free port. */
  readonly port?: number;
  /** How often changes are pushed to the pages. */
  readonly tickMs?: number;
}

/**
 * Serves the watch page on 127.0.0.1 only: `/` the page (everything inline,
 * nothing fetched from elsewhere), `/events` a Server-Sent Events stream
 * (a snapshot, then batched deltas), `/snapshot.json` the current state.
 */
export class WatchServer {
  private readonly server: http.Server;
  private readonly streams = new Set<http.ServerResponse>();
  private readonly page: string;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly view: SwarmView, private readonly options: WatchServerOptions = {}) {
    this.page = renderWatchPage(view.options.title);
    this.server = http.createServer((req, res) => this.handle(req, res));
  }

  /** Starts listening; resolves with the page's URL. */
  async start(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.timer = setInterval(() => this.tick(), this.options.tickMs ?? 250);
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  /** Pushes what changed to every page now (also done every tick). */
  tick(): void {
    const delta = this.view.takeDelta();
    if (delta) for (const res of this.streams) send(res, delta);
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.tick();
    for (const res of this.streams) res.end();
    this.streams.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const route = ROUTES[url.pathname];
    if (!route) return plain(res, 404, `not found: ${url.pathname} (the page is at /)\n`);
    if (req.method !== 'GET') {
      res.setHeader('Allow', 'GET');
      return plain(res, 405, `${req.method} is not allowed here\n`);
    }
    if (route === 'page') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(this.page);
    } else if (route === 'snapshot') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      res.end(JSON.stringify(this.view.snapshot()));
    } else {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
      res.write('retry: 1000\n\n');
      send(res, this.view.snapshot());
      this.streams.add(res);
      res.on('close', () => this.streams.delete(res));
    }
  }
}

const ROUTES: Readonly<Record<string, 'page' | 'events' | 'snapshot'>> = {
  '/': 'page',
  '/index.html': 'page',
  '/events': 'events',
  '/snapshot.json': 'snapshot',
};

function send(res: http.ServerResponse, message: WatchMessage): void {
  res.write(`event: ${message.type}\ndata: ${JSON.stringify(message)}\n\n`);
}

function plain(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(text);
}
