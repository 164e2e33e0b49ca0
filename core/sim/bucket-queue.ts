import { SimTarget } from './event-queue';

/** The events due at one instant, in the order they were queued (`head` is the next to fire). */
class Bucket {
  /** Target, payload, target, payload, ... (one array: half the bookkeeping of two). */
  readonly entries: unknown[] = [];
  head = 0;
}

/**
 * The simulator's event queue when time is quantised (the default 1 ms
 * quantum): events are grouped by instant, a bucket per distinct time kept in
 * a Map, and only the distinct times sit in a binary heap. Pushing is a Map
 * lookup and an array append, popping an array read; the heap moves once per
 * instant, not once per event. Same order as EventQueue, (time, insertion):
 * within a bucket events keep the order they were pushed in, including those
 * pushed at the current instant while it runs.
 *
 * Why not the EventQueue heap: a 10,000-peer swarm keeps hundreds of
 * thousands of events pending, and each heap pop then walks ~20 levels of
 * arrays too big for the CPU caches; here the hot data is the few buckets
 * being filled and the one being drained.
 */
export class BucketQueue {
  private readonly buckets = new Map<number, Bucket>();
  /** The distinct times of the buckets, as a binary min-heap. */
  private times: number[] = [];
  /** Emptied buckets, reused (a run goes through one per instant). */
  private readonly spare: Bucket[] = [];
  /** The last bucket pushed to, and its time: a broadcast often queues several events at one instant. */
  private lastTime = NaN;
  private lastBucket: Bucket | undefined;
  /** The bucket being drained, and its time. */
  private headTime = NaN;
  private headBucket: Bucket | undefined;
  private n = 0;
  poppedTarget: SimTarget<unknown> | undefined;
  poppedPayload: unknown;

  get size(): number {
    return this.n;
  }

  /** Time of the earliest event, or Infinity when the queue is empty. */
  peekTime(): number {
    return this.n > 0 ? this.times[0]! : Infinity;
  }

  push<P>(time: number, target: SimTarget<P>, payload: P): void {
    let bucket = time === this.lastTime ? this.lastBucket : this.buckets.get(time);
    if (bucket === undefined) {
      bucket = this.spare.pop() ?? new Bucket();
      this.buckets.set(time, bucket);
      this.pushTime(time);
    }
    this.lastTime = time;
    this.lastBucket = bucket;
    bucket.entries.push(target, payload);
    this.n++;
  }

  /** Removes the earliest event into `poppedTarget` / `poppedPayload`; false when empty. */
  pop(): boolean {
    if (this.n === 0) return false;
    const time = this.times[0]!;
    let bucket = this.headBucket;
    if (time !== this.headTime || bucket === undefined) {
      bucket = this.buckets.get(time)!;
      this.headTime = time;
      this.headBucket = bucket;
    }
    const entries = bucket.entries;
    const h = bucket.head;
    this.poppedTarget = entries[h] as SimTarget<unknown>;
    this.poppedPayload = entries[h + 1];
    entries[h] = undefined;
    entries[h + 1] = undefined;
    bucket.head = h + 2;
    this.n--;
    if (bucket.head === entries.length) {
      this.buckets.delete(time);
      this.popTime();
      this.headBucket = undefined;
      this.headTime = NaN;
      if (this.lastBucket === bucket) {
        this.lastBucket = undefined;
        this.lastTime = NaN;
      }
      entries.length = 0;
      bucket.head = 0;
      this.spare.push(bucket);
    }
    return true;
  }

  clear(): void {
    this.buckets.clear();
    this.times = [];
    this.spare.length = 0;
    this.lastBucket = undefined;
    this.lastTime = NaN;
    this.headBucket = undefined;
    this.headTime = NaN;
    this.n = 0;
  }

  private pushTime(time: number): void {
    const heap = this.times;
    let i = heap.length;
    heap.push(time);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (p <= time) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = time;
  }

  private popTime(): void {
    const heap = this.times;
    const last = heap.pop()!;
    const n = heap.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && heap[child + 1]! < heap[child]!) child++;
      if (last <= heap[child]!) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
  }
}
