import { expect } from 'chai';
import { interval, take, timer } from 'rxjs';
import { BucketQueue } from '../../../core/sim/bucket-queue';
import { EventQueue, SimTarget } from '../../../core/sim/event-queue';
import { SimScheduler } from '../../../core/sim/sim-scheduler';
import { SeededRandom } from '../../../core/util/random';

/** Records (time, label) of each firing. */
class Recorder implements SimTarget<string> {
  readonly log: string[] = [];
  constructor(private readonly scheduler: SimScheduler) {}
  fire(label: string): void {
    this.log.push(`${this.scheduler.now()}:${label}`);
  }
}

for (const [name, make] of [
  ['EventQueue', (): EventQueue | BucketQueue => new EventQueue()],
  ['BucketQueue', (): EventQueue | BucketQueue => new BucketQueue()],
] as const) {
  describe(`sim/${name}`, () => {
    it('pops in (time, insertion) order, whatever the push order', () => {
      const q = make();
      const rng = new SeededRandom(11);
      const target: SimTarget<number> = { fire: () => undefined };
      const pushed: Array<{ t: number; seq: number }> = [];
      for (let seq = 0; seq < 5000; seq++) {
        // Few distinct times, so ties are common.
        const t = rng.int(200);
        pushed.push({ t, seq });
        q.push(t, target, seq);
      }
      const popped: Array<{ t: number; seq: number }> = [];
      while (q.size > 0) {
        const t = q.peekTime();
        expect(q.pop()).to.equal(true);
        popped.push({ t, seq: q.poppedPayload as number });
      }
      expect(popped).to.deep.equal([...pushed].sort((a, b) => a.t - b.t || a.seq - b.seq));
      expect(q.pop()).to.equal(false);
      expect(q.peekTime()).to.equal(Infinity);
    });

    it('keeps order across growth while pushing and popping interleaved', () => {
      const q = make();
      const rng = new SeededRandom(5);
      const target: SimTarget<number> = { fire: () => undefined };
      let last = -1;
      let now = 0;
      for (let i = 0; i < 20000; i++) {
        q.push(now + rng.int(1000), target, i);
        if (i % 3 === 2) {
          now = q.peekTime();
          q.pop();
          expect(now).to.be.at.least(last);
          last = now;
        }
      }
    });
  });
}

describe('sim/SimScheduler', () => {
  it('runs events in time order, same-time events in the order they were scheduled, and moves now() with them', async () => {
    const s = new SimScheduler();
    const r = new Recorder(s);
    s.at(30, r, 'c');
    s.at(10, r, 'a');
    s.at(30, r, 'd');
    s.at(10, r, 'b');
    s.at(20, r, 'x');
    const stats = await s.run();
    expect(r.log).to.deep.equal(['10:a', '10:b', '20:x', '30:c', '30:d']);
    expect(stats).to.include({ events: 5, instants: 3, virtualMs: 30, reason: 'idle' });
    expect(s.now()).to.equal(30);
  });

  it('runs one window at a time with beforeMs: stops before the first event at or after it, with the clock there', async () => {
    const s = new SimScheduler({ quantumMs: 1 });
    const r = new Recorder(s);
    s.at(5, r, 'a');
    s.at(20, r, 'b');
    s.at(31, r, 'c');
    expect(await s.run({ beforeMs: 20 })).to.include({ events: 1, virtualMs: 20, reason: 'window-end' });
    expect(s.nextEventMs).to.equal(20);
    // Something booked at the window's end for later (as a parallel run's mail is) runs in its turn.
    s.at(25, r, 'mail');
    expect(await s.run({ beforeMs: 40 })).to.include({ events: 3, virtualMs: 40, reason: 'window-end' });
    expect(r.log).to.deep.equal(['5:a', '20:b', '25:mail', '31:c']);
    expect(s.nextEventMs).to.equal(Infinity);
  });

  it('never schedules into the past', async () => {
    const s = new SimScheduler();
    const r = new Recorder(s);
    s.at(50, { fire: () => s.at(10, r, 'late') }, undefined);
    await s.run();
    expect(r.log).to.deep.equal(['50:late']);
  });

  it('runs rxjs interval and timer on virtual time: an hour passes in milliseconds of wall time', async () => {
    const s = new SimScheduler();
    const ticks: number[] = [];
    interval(1000, s)
      .pipe(take(3600))
      .subscribe(() => ticks.push(s.now()));
    const fired: number[] = [];
    timer(2500, s).subscribe(() => fired.push(s.now()));
    const started = Date.now();
    await s.run();
    expect(Date.now() - started).to.be.below(2000);
    expect(ticks).to.have.length(3600);
    expect(ticks.slice(0, 3)).to.deep.equal([1000, 2000, 3000]);
    expect(ticks[3599]).to.equal(3_600_000);
    expect(fired).to.deep.equal([2500]);
    expect(s.now()).to.equal(3_600_000);
  });

  it('cancels on unsubscribe, and an action may reschedule itself with a new state and delay', async () => {
    const s = new SimScheduler();
    const seen: string[] = [];
    const sub = interval(100, s).subscribe((n) => seen.push(`i${n}@${s.now()}`));
    s.schedule(() => sub.unsubscribe(), 250);
    const cancelled = s.schedule(() => seen.push('never'), 50);
    cancelled.unsubscribe();
    s.schedule<number>(
      function (count) {
        seen.push(`r${count}@${s.now()}`);
        if (count! < 3) this.schedule(count! + 1, 1000);
      },
      0,
      1,
    );
    await s.run();
    expect(seen).to.deep.equal(['r1@0', 'i0@100', 'i1@200', 'r2@1000', 'r3@2000']);
  });

  it('lets promise continuations run at the virtual time of the event that started them', async () => {
    for (const drain of [12, 'macrotask'] as const) {
      const s = new SimScheduler();
      const seen: string[] = [];
      const chain = async (label: string): Promise<void> => {
        await Promise.resolve();
        await new Promise<void>((resolve) => resolve());
        seen.push(`${label}@${s.now()}`);
      };
      s.at(10, { fire: () => void chain('a') }, undefined);
      s.at(20, { fire: () => void chain('b') }, undefined);
      await s.run({ drain });
      expect(seen, String(drain)).to.deep.equal(['a@10', 'b@20']);
    }
  });

  it('a promise can wait for a virtual time', async () => {
    const s = new SimScheduler();
    const seen: number[] = [];
    s.at(0, { fire: () => void s.resolveAt(1234).then(() => seen.push(s.now())) }, undefined);
    await s.run();
    expect(seen).to.deep.equal([1234]);
  });

  it('stops at a time limit, on stop(), and rounds times up to the quantum', async () => {
    const limited = new SimScheduler();
    interval(10, limited).subscribe();
    expect(await limited.run({ untilMs: 1000 })).to.include({ reason: 'time-limit', virtualMs: 1000, events: 100 });
    expect(await limited.run(1500)).to.include({ reason: 'time-limit', virtualMs: 1500, events: 50 });

    const stopped = new SimScheduler();
    interval(10, stopped).subscribe(() => {
      if (stopped.now() === 50) stopped.stop();
    });
    expect(await stopped.run()).to.include({ reason: 'stopped', virtualMs: 50 });

    const q = new SimScheduler({ quantumMs: 1 });
    const r = new Recorder(q);
    q.at(0.2, r, 'a');
    q.at(0.7, r, 'b');
    q.at(1.5, r, 'c');
    expect(await q.run()).to.include({ instants: 2 });
    expect(r.log).to.deep.equal(['1:a', '1:b', '2:c']);
  });

  it('rejects when an event throws', async () => {
    const s = new SimScheduler();
    s.at(5, { fire: () => {
      throw new Error('boom');
    } }, undefined);
    let error: unknown;
    await s.run().catch((err: unknown) => (error = err));
    expect(error).to.be.instanceOf(Error);
    expect((error as Error).message).to.equal('boom');
  });
});
