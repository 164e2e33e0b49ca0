import assert from 'node:assert/strict';
import { Subject } from 'rxjs';
import { SwarmEvent, SwarmEventBody } from '../../events';
import { ContractCheck } from './compliance';

/** One event of every kind, as a peer would emit them. */
export function sampleEvents(self: number): SwarmEvent[] {
  const bodies: SwarmEventBody[] = [
    { kind: 'started', summary: { FileName: 'TheFile.dat', FileSize: 9537 } },
    { kind: 'store-opened', have: 0, total: 10, bitfield: '0000' },
    { kind: 'listening', port: 6001 },
    { kind: 'connected', peer: 1, direction: 'outbound' },
    { kind: 'connected', peer: 3, direction: 'inbound' },
    { kind: 'connection-rejected', reason: 'bad handshake header' },
    { kind: 'connection-rejected', peer: 4, reason: 'peer 4 is already connected' },
    { kind: 'bitfield-received', peer: 1, pieces: 10 },
    { kind: 'interested-received', peer: 3 },
    { kind: 'preferred-changed', neighbors: [3] },
    { kind: 'optimistic-changed', neighbor: 3 },
    { kind: 'optimistic-changed', neighbor: undefined },
    { kind: 'unchoked-by', peer: 1 },
    { kind: 'request-sent', peer: 1, index: 0 },
    { kind: 'piece-downloaded', peer: 1, index: 0, bytes: 1000, have: 1, total: 10 },
    { kind: 'piece-discarded', peer: 1, index: 0, bytes: 1000, reason: 'duplicate' },
    { kind: 'have-received', peer: 3, index: 5 },
    { kind: 'piece-uploaded', peer: 3, index: 0, bytes: 1000 },
    { kind: 'not-interested-received', peer: 3 },
    { kind: 'choked-by', peer: 1 },
    { kind: 'neighbor-stalled', peer: 1, index: 4, waitedMs: 30004 },
    { kind: 'protocol-violation', peer: 3, reason: 'unknown message type 9' },
    { kind: 'disconnected', peer: 3, reason: 'connection closed by peer' },
    { kind: 'plugin-error', plugin: 'strategy "x"', message: 'threw' },
    { kind: 'error', message: 'something failed' },
    { kind: 'peer-completed', peer: 1 },
    { kind: 'file-complete' },
    { kind: 'swarm-complete' },
  ];
  return bodies.map((b, i) => ({ ...b, self, at: 1_764_000_000_000 + i * 10 }) as SwarmEvent);
}

export const LOGGER_CONTRACT: readonly ContractCheck<'logger'>[] = [
  {
    name: 'takes one event of every kind and flushes',
    async run(def, scratch) {
      const logger = def.create(scratch.context({ seeder: false }));
      const events$ = new Subject<SwarmEvent>();
      logger.attach(events$);
      for (const e of sampleEvents(2)) events$.next(e);
      events$.complete();
      await logger.flush();
    },
  },
  {
    name: 'flushes when no event ever came',
    async run(def, scratch) {
      const logger = def.create(scratch.context({ seeder: false }));
      logger.attach(new Subject<SwarmEvent>());
      const flushed = logger.flush();
      assert.ok(flushed && typeof flushed.then === 'function', 'flush() must return a Promise');
      await flushed;
    },
  },
];
