import { PeerId } from '../events';
import { Message, MessageType, msg } from '../protocol/messages';

/** One record's fields in a batch (a Float64Array, STRIDE numbers per message). */
const SENDER = 0;
/** The receiving node's ordinal (SimNode.ordinal: the same in every worker). */
const RECEIVER = 1;
/** Virtual ms the sender sent it at (a FIN's arrival is counted from it). */
const SENT = 2;
/** When its first byte left the sender's uplink, and when its last byte did. */
const START = 3;
const UP_END = 4;
/** One-way delay of the connection (ms). */
const DELAY = 5;
/** Wire size (bytes); whether it interleaves with other connections' traffic (see SimNetworkOptions). */
const SIZE = 6;
const SMALL = 7;
/** The message type, or FIN_TYPE for the end of the connection's stream. */
const TYPE = 8;
/** Piece index (have, request, piece); for a bitfield, its place in the batch's `bits`. */
const INDEX = 9;
/** A piece's length. */
const LENGTH = 10;
/** The sending end's number in its worker (SimLink.endNo): lets the receiver's worker find the other end by index. */
const END = 11;
const STRIDE = 12;
const FIN_TYPE = -1;

/**
 * A window's messages from one worker to one worker, as numbers (a piece
 * carries its index and length only: the simulation's virtual store reads and
 * writes zeros, so the receiver rebuilds it from zeros of that length).
 * Transferable between threads without copying `records`.
 */
export interface MailBatch {
  readonly records: Float64Array;
  readonly count: number;
  readonly bits: Uint8Array[];
}

/** The receiving side of the network for mail: books a message on the receiver's downlink and queues its arrival. */
export interface MailReceiver {
  /**
   * A message (or the FIN: `message` undefined) with the sender's figures: when it was sent, when its first
   * and last byte left the uplink, the connection's one-way delay, its wire size and whether it is small
   * enough to interleave with other connections' traffic (see SimNetworkOptions). `source` is the sending
   * worker, `end` the sending end's number there (SimLink.endNo), `receiver` the receiving node's ordinal.
   */
  book(source: number, end: number, sender: PeerId, receiver: number, sentAt: number, start: number, upEnd: number, delayMs: number, size: number, small: boolean, message: Message | undefined): void;
}

class BatchWriter {
  records = new Float64Array(STRIDE * 1024);
  count = 0;
  bits: Uint8Array[] = [];

  slot(): number {
    const at = this.count * STRIDE;
    if (at + STRIDE > this.records.length) {
      const grown = new Float64Array(this.records.length * 2);
      grown.set(this.records);
      this.records = grown;
    }
    this.count++;
    return at;
  }

  /** The batch so far (its records go to another thread: this writer starts a new array). */
  take(): MailBatch {
    const batch: MailBatch = { records: this.records, count: this.count, bits: this.bits };
    this.records = new Float64Array(Math.max(STRIDE * 1024, STRIDE * this.count));
    this.count = 0;
    this.bits = [];
    return batch;
  }
}

/**
 * The post between simulation workers (a conservative parallel simulation:
 * peers split across threads, each running its own event loop, all of them in
 * step, one window of virtual time at a time). A window is never longer than
 * the smallest one-way delay of any connection, so nothing sent in a window
 * can arrive before the next one starts: each worker collects what its peers
 * send (the uplink side is the sender's: when the bytes leave), and at the
 * window's end every message goes to the worker of its receiver, which books
 * it on the receiver's downlink and queues its arrival. Messages are booked in
 * the order sent across all workers (ties: by worker): a run is
 * deterministic for a given seed and number of workers.
 */
export class SimMail {
  private readonly out: BatchWriter[];

  constructor(
    readonly workers: number,
    /** The worker that runs a peer. */
    readonly workerOf: (peer: PeerId) => number,
  ) {
    this.out = Array.from({ length: workers }, () => new BatchWriter());
  }

  /** A message (or the FIN: `message` undefined) leaves a local peer for `receiver`: the fields of MailReceiver.book. */
  post(end: number, sender: PeerId, receiver: PeerId, receiverOrdinal: number, sentAt: number, start: number, upEnd: number, delayMs: number, size: number, small: boolean, message: Message | undefined): void {
    const writer = this.out[this.workerOf(receiver)]!;
    const at = writer.slot();
    const rec = writer.records;
    rec[at + END] = end;
    rec[at + SENDER] = sender;
    rec[at + RECEIVER] = receiverOrdinal;
    rec[at + SENT] = sentAt;
    rec[at + START] = start;
    rec[at + UP_END] = upEnd;
    rec[at + DELAY] = delayMs;
    rec[at + SIZE] = size;
    rec[at + SMALL] = small ? 1 : 0;
    if (message === undefined) {
      rec[at + TYPE] = FIN_TYPE;
      return;
    }
    rec[at + TYPE] = message.type;
    switch (message.type) {
      case MessageType.Have:
      case MessageType.Request:
        rec[at + INDEX] = message.index;
        break;
      case MessageType.Piece:
        rec[at + INDEX] = message.index;
        rec[at + LENGTH] = message.data.length;
        break;
      case MessageType.Bitfield:
        rec[at + INDEX] = writer.bits.length;
        writer.bits.push(message.bits);
        break;
      default:
        break;
    }
  }

  /** The window's mail for each worker (index = worker), emptying the outboxes. */
  collect(): MailBatch[] {
    return this.out.map((w) => w.take());
  }

  /** Books every message of a batch from worker `source` for this worker's peers, in the order sent. */
  static deliver(batch: MailBatch, source: number, to: MailReceiver): void {
    const batches: Array<MailBatch | null> = new Array<MailBatch | null>(source + 1).fill(null);
    batches[source] = batch;
    SimMail.deliverAll(batches, to);
  }

  /**
   * Books a window's mail from every worker (`batches[w]`: from worker w, or null) in the order it was
   * sent across all of them, as one thread books each message when it is sent: by the virtual time sent,
   * then by worker, then in each worker's order. Booking a worker's whole batch before the next one's
   * would let the first worker's peers take every receiver's downlink first in each window. Each batch
   * is already in the order sent (a worker runs its events in time order), so this merges them.
   */
  static deliverAll(batches: ReadonlyArray<MailBatch | null | undefined>, to: MailReceiver): void {
    const next = batches.map(() => 0);
    for (;;) {
      let source = -1;
      let earliest = Infinity;
      for (let w = 0; w < batches.length; w++) {
        const b = batches[w];
        if (!b || next[w]! >= b.count) continue;
        const sent = b.records[next[w]! * STRIDE + SENT]!;
        if (sent < earliest) {
          earliest = sent;
          source = w;
        }
      }
      if (source < 0) return;
      const batch = batches[source]!;
      const at = next[source]!++ * STRIDE;
      const rec = batch.records;
      const message = SimMail.message(rec, at, batch.bits);
      to.book(source, rec[at + END]!, rec[at + SENDER]!, rec[at + RECEIVER]!, rec[at + SENT]!, rec[at + START]!, rec[at + UP_END]!, rec[at + DELAY]!, rec[at + SIZE]!, rec[at + SMALL] === 1, message);
    }
  }

  private static message(rec: Float64Array, at: number, bits: Uint8Array[]): Message | undefined {
    const type = rec[at + TYPE]!;
    switch (type) {
      case FIN_TYPE:
        return undefined;
      case MessageType.Choke:
        return msg.choke();
      case MessageType.Unchoke:
        return msg.unchoke();
      case MessageType.Interested:
        return msg.interested();
      case MessageType.NotInterested:
        return msg.notInterested();
      case MessageType.Have:
        return msg.have(rec[at + INDEX]!);
      case MessageType.Request:
        return msg.request(rec[at + INDEX]!);
      case MessageType.Piece:
        return msg.piece(rec[at + INDEX]!, zeroPiece(rec[at + LENGTH]!));
      case MessageType.Bitfield:
        return msg.bitfield(bits[rec[at + INDEX]!]!);
      default:
        throw new Error(`simulation mail: unknown message type ${type}`);
    }
  }
}

/** Zeros of a piece's length, shared by every piece of that length (the virtual store reads and writes zeros). */
const zeroPieces = new Map<number, Uint8Array>();

function zeroPiece(length: number): Uint8Array {
  let z = zeroPieces.get(length);
  if (z === undefined) zeroPieces.set(length, (z = new Uint8Array(length)));
  return z;
}
