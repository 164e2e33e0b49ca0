import { expect } from 'chai';
import { Writable } from 'node:stream';
import { Subject } from 'rxjs';
import { SwarmEvent, SwarmEventBody } from '../../../core/events';
import consoleLogger, { ConsoleLogger } from '../../../plugins/logger/console';

/** A writable that keeps what it is given; `isTTY` as asked. */
class FakeStream extends Writable {
  text = '';
  constructor(readonly isTTY: boolean) {
    super({
      write: (chunk: Buffer | string, _encoding, done) => {
        this.text += chunk.toString();
        done();
      },
    });
  }
  get columns(): number {
    return 100;
  }
  get lines(): string[] {
    return this.text.split('\n').filter((l) => l !== '');
  }
}

const SELF = 1002;
const T0 = new Date(2026, 10, 25, 14, 35, 45).getTime();

function feeder(): { events$: Subject<SwarmEvent>; emit: (body: SwarmEventBody, atMs?: number) => void } {
  const events$ = new Subject<SwarmEvent>();
  return { events$, emit: (body, atMs = 0) => events$.next({ ...body, self: SELF, at: T0 + atMs } as SwarmEvent) };
}

describe('plugins/logger/console', () => {
  it('is a logger plugin with a description', () => {
    expect(consoleLogger.kind).to.equal('logger');
    expect(consoleLogger.name).to.equal('console');
    expect(consoleLogger.description).to.be.a('string').and.not.equal('');
  });

  it('writes human-readable lines for connections, choking, completion and errors; nothing for the busy events', async () => {
    const out = new FakeStream(false);
    const logger = new ConsoleLogger(out);
    const { events$, emit } = feeder();
    logger.attach(events$);
    emit({ kind: 'listening', port: 6002 });
    emit({ kind: 'connected', peer: 1001, direction: 'outbound' });
    emit({ kind: 'connected', peer: 1003, direction: 'inbound' });
    emit({ kind: 'unchoked-by', peer: 1001 });
    emit({ kind: 'request-sent', peer: 1001, index: 3 });
    emit({ kind: 'have-received', peer: 1003, index: 3 });
    emit({ kind: 'interested-received', peer: 1003 });
    emit({ kind: 'piece-uploaded', peer: 1003, index: 3, bytes: 10 });
    emit({ kind: 'choked-by', peer: 1001 });
    emit({ kind: 'neighbor-stalled', peer: 1001, index: 7, waitedMs: 30004.6 });
    emit({ kind: 'preferred-changed', neighbors: [1003, 1004] });
    emit({ kind: 'optimistic-changed', neighbor: 1005 });
    emit({ kind: 'protocol-violation', peer: 1004, reason: 'unknown message type 9' });
    emit({ kind: 'plugin-error', plugin: 'strategy "x"', message: 'select() threw: boom' });
    emit({ kind: 'error', message: 'cannot store piece 3: disk full' });
    emit({ kind: 'disconnected', peer: 1004, reason: 'closed' });
    emit({ kind: 'file-complete' }, 2500);
    emit({ kind: 'swarm-complete' }, 3000);
    await logger.flush();
    expect(out.lines).to.deep.equal([
      '14:35:45 peer 1002: listening on port 6002',
      '14:35:45 peer 1002: connected to peer 1001',
      '14:35:45 peer 1002: connection from peer 1003',
      '14:35:45 peer 1002: unchoked by peer 1001',
      '14:35:45 peer 1002: choked by peer 1001',
      '14:35:45 peer 1002: neighbour 1001 stalled: piece 7 requested 30005 ms ago and not sent; asking others',
      '14:35:45 peer 1002: preferred neighbours 1003,1004',
      '14:35:45 peer 1002: optimistically unchoked peer 1005',
      '14:35:45 peer 1002: closed the connection to peer 1004: unknown message type 9',
      '14:35:45 peer 1002: error in the strategy "x" plugin: select() threw: boom',
      '14:35:45 peer 1002: error: cannot store piece 3: disk full',
      '14:35:45 peer 1002: disconnected from peer 1004: closed',
      '14:35:47 peer 1002: has downloaded the complete file',
      '14:35:48 peer 1002: every peer has the whole file',
    ]);
  });

  it('without a terminal, prints progress at most every 10% and no bar', async () => {
    const out = new FakeStream(false);
    const logger = new ConsoleLogger(out);
    const { events$, emit } = feeder();
    logger.attach(events$);
    emit({ kind: 'started', summary: { FileName: 'TheFile.dat' } });
    const total = 37;
    for (let have = 1; have <= total; have++) emit({ kind: 'piece-downloaded', peer: 1001, index: have - 1, bytes: 10, have, total }, have * 100);
    emit({ kind: 'file-complete' }, 4000);
    await logger.flush();
    const lines = out.lines;
    expect(lines.slice(0, 9).map((l) => l.replace(/^\S+ /, ''))).to.deep.equal([
      'peer 1002: downloaded 10% (4/37 pieces)',
      'peer 1002: downloaded 21% (8/37 pieces)',
      'peer 1002: downloaded 32% (12/37 pieces)',
      'peer 1002: downloaded 40% (15/37 pieces)',
      'peer 1002: downloaded 51% (19/37 pieces)',
      'peer 1002: downloaded 62% (23/37 pieces)',
      'peer 1002: downloaded 70% (26/37 pieces)',
      'peer 1002: downloaded 81% (30/37 pieces)',
      'peer 1002: downloaded 91% (34/37 pieces)',
    ]);
    expect(lines.slice(9)).to.deep.equal(['14:35:49 peer 1002: has downloaded the complete file in 4.0 s']);
    expect(out.text).not.to.contain('\x1b');
  });

  it('prints one line when progress jumps several tenths at once', async () => {
    const out = new FakeStream(false);
    const logger = new ConsoleLogger(out);
    const { events$, emit } = feeder();
    logger.attach(events$);
    emit({ kind: 'piece-downloaded', peer: 1001, index: 0, bytes: 10, have: 1, total: 3 });
    emit({ kind: 'piece-downloaded', peer: 1001, index: 1, bytes: 10, have: 2, total: 3 });
    emit({ kind: 'piece-downloaded', peer: 1001, index: 2, bytes: 10, have: 3, total: 3 });
    await logger.flush();
    expect(out.lines.map((l) => l.replace(/^\S+ /, ''))).to.deep.equal(['peer 1002: downloaded 33% (1/3 pieces)', 'peer 1002: downloaded 66% (2/3 pieces)']);
  });

  it('on a terminal, draws a cli-progress bar, keeps lines, and stops the bar on file-complete', async () => {
    const out = new FakeStream(true);
    const logger = new ConsoleLogger(out);
    const { events$, emit } = feeder();
    logger.attach(events$);
    emit({ kind: 'connected', peer: 1001, direction: 'outbound' });
    for (let have = 1; have <= 10; have++) {
      emit({ kind: 'piece-downloaded', peer: 1001, index: have - 1, bytes: 10, have, total: 10 });
      if (have === 5) emit({ kind: 'choked-by', peer: 1001 });
    }
    emit({ kind: 'file-complete' });
    const afterComplete = out.text.length;
    emit({ kind: 'swarm-complete' });
    await logger.flush();
    expect(out.text).to.contain('peer 1002 [');
    expect(out.text).to.contain('10/10 pieces');
    expect(out.text).to.contain('connected to peer 1001');
    expect(out.text).to.contain('choked by peer 1001');
    expect(out.text).to.contain('has downloaded the complete file');
    // The bar is gone: later lines are written straight away.
    expect(out.text.slice(afterComplete)).to.contain('every peer has the whole file');
  });

  it('stops a running bar on flush (nothing keeps the process alive)', async () => {
    const out = new FakeStream(true);
    const logger = new ConsoleLogger(out);
    const { events$, emit } = feeder();
    logger.attach(events$);
    emit({ kind: 'piece-downloaded', peer: 1001, index: 0, bytes: 10, have: 1, total: 10 });
    emit({ kind: 'error', message: 'peer 1001 went away' });
    await logger.flush();
    expect(out.text).to.contain('1/10 pieces');
    expect(out.text).to.contain('error: peer 1001 went away');
    const written = out.text.length;
    await new Promise((r) => setTimeout(r, 250));
    expect(out.text.length, 'no redraw after flush').to.equal(written);
  });
});
