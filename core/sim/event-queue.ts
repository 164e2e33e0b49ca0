/**
 * Something that happens at a point of virtual time. The payload travels with
 * the queue entry, so a network delivery needs no closure: the target is the
 * receiving link, the payload the message.
 */
export interface SimTarget<P> {
  fire(payload: P): void;
}

const INITIAL_CAPACITY = 1024;

/**
 * The simulator's event queue: a binary min-heap ordered by (time, insertion
 * sequence), so events at the same instant run in the order they were
 * scheduled and a run is deterministic.
 *
 * Built for tens of millions of events: an entry lives in a slot (time and
 * sequence in Float64Arrays, target and payload in plain arrays, written once
 * when pushed and cleared when popped) and the heap itself is an Int32Array
 * of slot numbers, so sifting moves integers only (no object writes, no GC
 * write barriers) and pushing or popping allocates nothing.
 */
export class EventQueue {
  private heap = new Int32Array(INITIAL_CAPACITY);
  private times = new Float64Array(INITIAL_CAPACITY);
  private seqs = new Float64Array(INITIAL_CAPACITY);
  private targets: Array<SimTarget<unknown> | undefined> = new Array<SimTarget<unknown> | undefined>(INITIAL_CAPACITY).fill(undefined);
  private payloads: unknown[] = new Array<unknown>(INITIAL_CAPACITY).fill(undefined);
  /** Slots not in use, as a stack; slots at or past `fresh` have never been used. */
  private free = new Int32Array(INITIAL_CAPACITY);
  private freeCount = 0;
  private fresh = 0;
  private n = 0;
  private nextSeq = 0;
  /** The target and payload of the last `pop()` (fields, not a tuple: popping allocates nothing). */
  poppedTarget: SimTarget<unknown> | undefined;
  poppedPayload: unknown;

  get size(): number {
    return this.n;
  }

  /** Time of the earliest event, or Infinity when the queue is empty. */
  peekTime(): number {
    return this.n > 0 ? this.times[this.heap[0]!]! : Infinity;
  }

  push<P>(time: number, target: SimTarget<P>, payload: P): void {
    if (this.n === this.heap.length) this.grow();
    const slot = this.freeCount > 0 ? this.free[--this.freeCount]! : this.fresh++;
    const seq = this.nextSeq++;
    const times = this.times;
    const seqs = this.seqs;
    const heap = this.heap;
    times[slot] = time;
    seqs[slot] = seq;
    this.targets[slot] = target as SimTarget<unknown>;
    this.payloads[slot] = payload;
    // Sift up: move parents down into the hole until the new entry fits.
    let i = this.n++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      const pt = times[p]!;
      if (pt < time || (pt === time && seqs[p]! < seq)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = slot;
  }

  /** Removes the earliest event into `poppedTarget` / `poppedPayload`; false when empty. */
  pop(): boolean {
    if (this.n === 0) return false;
    const heap = this.heap;
    const top = heap[0]!;
    this.poppedTarget = this.targets[top];
    this.poppedPayload = this.payloads[top];
    this.targets[top] = undefined;
    this.payloads[top] = undefined;
    this.free[this.freeCount++] = top;
    const last = --this.n;
    if (last > 0) {
      const times = this.times;
      const seqs = this.seqs;
      const slot = heap[last]!;
      const time = times[slot]!;
      const seq = seqs[slot]!;
      // Sift down from the root with the last entry.
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= last) break;
        let c = heap[child]!;
        const right = child + 1;
        if (right < last) {
          const r = heap[right]!;
          if (times[r]! < times[c]! || (times[r] === times[c] && seqs[r]! < seqs[c]!)) {
            child = right;
            c = r;
          }
        }
        const ct = times[c]!;
        if (time < ct || (time === ct && seq < seqs[c]!)) break;
        heap[i] = c;
        i = child;
      }
      heap[i] = slot;
    }
    return true;
  }

  clear(): void {
    this.targets.fill(undefined);
    this.payloads.fill(undefined);
    this.n = 0;
    this.freeCount = 0;
    this.fresh = 0;
  }

  private grow(): void {
    const capacity = this.heap.length * 2;
    const widen = <A extends Int32Array | Float64Array>(old: A, make: (n: number) => A): A => {
      const a = make(capacity);
      a.set(old);
      return a;
    };
    this.heap = widen(this.heap, (k) => new Int32Array(k));
    this.free = widen(this.free, (k) => new Int32Array(k));
    this.times = widen(this.times, (k) => new Float64Array(k));
    this.seqs = widen(this.seqs, (k) => new Float64Array(k));
    for (let i = this.targets.length; i < capacity; i++) {
      this.targets.push(undefined);
      this.payloads.push(undefined);
    }
  }
}
