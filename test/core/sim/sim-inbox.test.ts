import { expect } from 'chai';
import { map } from 'rxjs';
import { SimInbox } from '../../../core/sim/sim-inbox';

describe('SimInbox (a simulated link\'s receiving end)', () => {
  it('keeps what arrives before the first subscriber and hands it over in order, then the rest', () => {
    const inbox = new SimInbox<number>();
    inbox.push(1);
    inbox.push(2);
    const got: number[] = [];
    inbox.subscribe((v) => got.push(v));
    inbox.push(3);
    expect(got).to.deep.equal([1, 2, 3]);
  });

  it('calls a single function subscriber directly and tells its owner who that is', () => {
    const owner: Array<((v: number) => void) | undefined> = [];
    const inbox = new SimInbox<number>((sink) => owner.push(sink));
    const fn = (): void => undefined;
    const sub = inbox.subscribe(fn);
    expect(owner[owner.length - 1]).to.equal(fn);
    sub.unsubscribe();
    expect(owner[owner.length - 1]).to.equal(undefined);
  });

  it('delivers to every subscriber in order when there are several, and to none after unsubscribing', () => {
    const inbox = new SimInbox<number>();
    const a: number[] = [];
    const b: number[] = [];
    const subA = inbox.subscribe((v) => a.push(v));
    inbox.subscribe({ next: (v) => b.push(v) });
    inbox.push(1);
    subA.unsubscribe();
    inbox.push(2);
    expect(a).to.deep.equal([1]);
    expect(b).to.deep.equal([1, 2]);
  });

  it('works through rxjs operators and completes observers at the end; takes nothing after it', () => {
    const inbox = new SimInbox<number>();
    const got: number[] = [];
    let completed = false;
    inbox.pipe(map((v) => v * 10)).subscribe({ next: (v) => got.push(v), complete: () => (completed = true) });
    inbox.push(1);
    inbox.end();
    inbox.push(2);
    expect(got).to.deep.equal([10]);
    expect(completed).to.equal(true);
    expect(inbox.isEnded).to.equal(true);
  });

  it('gives a subscriber that comes after the end what waited, then completes it', () => {
    const inbox = new SimInbox<number>();
    inbox.push(7);
    inbox.end();
    const got: number[] = [];
    let completed = false;
    inbox.subscribe({ next: (v) => got.push(v), complete: () => (completed = true) });
    expect(got).to.deep.equal([7]);
    expect(completed).to.equal(true);
  });

  it('lets an exception thrown by a function subscriber reach the caller (the event loop stops on it)', () => {
    const inbox = new SimInbox<number>();
    inbox.subscribe(() => {
      throw new Error('boom');
    });
    expect(() => inbox.push(1)).to.throw('boom');
  });
});
