import { ChildProcess, spawn } from 'node:child_process';
import * as http from 'node:http';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../../../core/paths';
import type { WatchMessage } from '../../../app/watch/page/messages';

const PEER = path.join(PACKAGE_ROOT, 'dist', 'app', 'peer.js');

/** A `peer` command run as its own process, its output collected. */
export class PeerCommand {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(args: readonly string[], cwd: string) {
    this.child = spawn(process.execPath, [PEER, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (c: Buffer) => (this.stdout += c.toString()));
    this.child.stderr!.on('data', (c: Buffer) => (this.stderr += c.toString()));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  /** The watch page's URL, once the command has printed it. */
  async url(timeoutMs = 15000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = /watch: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(this.stdout + this.stderr);
      if (m) return m[1]!;
      if (this.child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`no watch URL printed (exit ${this.child.exitCode}); stdout: ${this.stdout}; stderr: ${this.stderr}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Stops it as Ctrl-C would; resolves with its exit code (SIGKILL after 10 s). */
  async interrupt(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGINT');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10000);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}

/** Reads a Server-Sent Events stream until `done` says enough (or the timeout); returns the messages read. */
export function readEvents(url: string, done: (messages: WatchMessage[]) => boolean, timeoutMs = 10000): Promise<{ messages: WatchMessage[]; contentType: string | undefined }> {
  return new Promise((resolve, reject) => {
    const messages: WatchMessage[] = [];
    let buffer = '';
    const req = http.get(url, (res) => {
      const contentType = res.headers['content-type'];
      const finish = (): void => {
        clearTimeout(timer);
        req.destroy();
        resolve({ messages, contentType });
      };
      const timer = setTimeout(() => {
        req.destroy();
        reject(new Error(`stream ended the wait without the expected messages: ${JSON.stringify(messages).slice(0, 2000)}`));
      }, timeoutMs);
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event === undefined || data === undefined) continue;
          const message = JSON.parse(data) as WatchMessage;
          if (message.type !== event) throw new Error(`event "${event}" carries a "${message.type}"`);
          messages.push(message);
        }
        if (done(messages)) finish();
      });
    });
    req.on('error', reject);
  });
}

/** GET (or another method) without following anything: status, type and body. */
export function request(url: string, method = 'GET'): Promise<{ status: number; contentType: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], body }));
    });
    req.on('error', reject);
    req.end();
  });
}
