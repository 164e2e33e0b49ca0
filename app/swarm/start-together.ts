/**
 * Starting the peers of `peer swarm` together: each peer it starts at once
 * loads, binds its port and opens its store, says it is ready over the IPC
 * channel, and connects only when `peer swarm` has heard every one of them
 * (so no peer pays its start-up inside the others' transfer). Peers with a
 * join delay (a profile's join time) are not held.
 */

/** Set (to '1') in the environment of a peer that must wait for the word to go. */
export const START_TOGETHER_ENV = 'SWARMLAB_START_TOGETHER';

export const READY_MESSAGE = { kind: 'ready' } as const;
export const GO_MESSAGE = { kind: 'go' } as const;

function isGo(m: unknown): boolean {
  return typeof m === 'object' && m !== null && (m as { kind?: unknown }).kind === GO_MESSAGE.kind;
}

/**
 * In a peer started by `peer swarm` with the gate: a function that reports
 * ready and resolves on the word to go. Undefined when the peer was not
 * started that way (run by hand, or without an IPC channel).
 */
export function startGateFromParent(): (() => Promise<void>) | undefined {
  if (process.env[START_TOGETHER_ENV] !== '1' || !process.send) return undefined;
  return () =>
    new Promise<void>((resolve) => {
      const onMessage = (m: unknown): void => {
        if (!isGo(m)) return;
        process.off('message', onMessage);
        resolve();
      };
      process.on('message', onMessage);
      if (process.connected) process.send!(READY_MESSAGE);
    });
}

/**
 * The parent's side: call `ready(id)` when a held peer reports ready or
 * exits; once every held peer has, `release` is called with each of them.
 */
export class StartLine {
  private readonly waiting: Set<number>;
  private released = false;

  constructor(
    private readonly held: readonly number[],
    private readonly release: (id: number) => void,
  ) {
    this.waiting = new Set(held);
    if (this.waiting.size === 0) this.released = true;
  }

  isHeld(id: number): boolean {
    return this.held.includes(id);
  }

  ready(id: number): void {
    if (!this.waiting.delete(id) || this.released || this.waiting.size > 0) return;
    this.released = true;
    for (const h of this.held) this.release(h);
  }
}
