import * as path from 'node:path';
import { JsonlTail } from './jsonl-tail';
import { SwarmView } from './swarm-view';
import { WatchServer } from './watch-server';

export interface Watching {
  readonly url: string;
  readonly view: SwarmView;
  readonly tail: JsonlTail;
  /** Reads what is left of the streams, pushes it to the pages, closes the server. */
  stop(): Promise<void>;
}

export interface WatchFolderOptions {
  /** 0 or undefined: any free port. */
  readonly port?: number;
  /** Told about each malformed line once. */
  readonly onBadLine?: (file: string, lineNo: number) => void;
}

/** Serves the watch page for the peers whose jsonl event streams are (or will be) in `dir`. */
export async function watchFolder(dir: string, options: WatchFolderOptions = {}): Promise<Watching> {
  const view = new SwarmView({ title: path.resolve(dir) });
  const tail = new JsonlTail(dir, {
    event: (e) => view.apply(e),
    reset: (peer) => view.resetPeer(peer),
    badLine: options.onBadLine,
  });
  const server = new WatchServer(view, { port: options.port });
  const url = await server.start();
  tail.start();
  return {
    url,
    view,
    tail,
    stop: async () => {
      await tail.stop();
      await tail.drain();
      await server.close();
    },
  };
}
