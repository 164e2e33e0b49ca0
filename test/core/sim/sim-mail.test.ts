import { expect } from 'chai';
import { Message, msg } from '../../../core/protocol/messages';
import { MailBatch, MailReceiver, SimMail } from '../../../core/sim/sim-mail';
import { SimNetwork, SimNodeSpec } from '../../../core/sim/sim-network';
import { SimScheduler } from '../../../core/sim/sim-scheduler';

const MiB = 1024 * 1024;

interface Booked {
  readonly source: number;
  readonly sender: number;
  readonly receiver: number;
  readonly sentAt: number;
  readonly size: number;
  readonly small: boolean;
  readonly message: Message | undefined;
}

/** Two peers, each on its own "worker" (two networks in one thread), or both on one plain network. */
function twoPeers(specs: readonly SimNodeSpec[], split: boolean) {
  const workers = split ? 2 : 1;
  const sides = Array.from({ length: workers }, (_, worker) => {
    const scheduler = new SimScheduler({ quantumMs: 0 });
    const mail = split ? new SimMail(2, (id) => (id === specs[0]!.id ? 0 : 1)) : undefined;
    const network = new SimNetwork(scheduler, { mail, worker });
    return { scheduler, network, mail };
  });
  const arrivals: Array<{ to: number; at: number; m: Message }> = [];
  for (const side of sides) {
    for (const spec of specs) {
      const transport = side.network.addPeer(spec);
      if (!side.network.isLocal(spec.id)) continue;
      transport.links$.subscribe((link) => link.messages$.subscribe((m) => arrivals.push({ to: spec.id, at: side.scheduler.now(), m })));
      void transport.start();
    }
  }
  return { sides, arrivals };
}

describe('sim/SimMail', () => {
  it('carries every kind of message and the FIN between workers as numbers, in the order posted', () => {
    const mail = new SimMail(2, (id) => id % 2);
    const bits = new Uint8Array([0xa0, 0x01]);
    const sent: Array<Message | undefined> = [msg.have(3), msg.request(9), msg.piece(9, new Uint8Array(1000)), msg.bitfield(bits), msg.choke(), msg.unchoke(), msg.interested(), msg.notInterested(), undefined];
    sent.forEach((m, k) => mail.post(40 + k, 2, 7, 6, 100 + k, 101 + k, 102 + k, 20, 9, k % 2 === 0, m));
    const [toEven, toOdd] = mail.collect() as [MailBatch, MailBatch];
    expect(toEven.count).to.equal(0);
    expect(toOdd.count).to.equal(sent.length);
    const booked: Booked[] = [];
    const ends: number[] = [];
    const receiver: MailReceiver = {
      book(source, end, sender, to, sentAt, _start, _upEnd, _delay, size, small, message) {
        ends.push(end);
        booked.push({ source, sender, receiver: to, sentAt, size, small, message });
      },
    };
    SimMail.deliver(toOdd, 0, receiver);
    expect(ends).to.deep.equal(sent.map((_, k) => 40 + k));
    expect(booked.map((b) => b.sentAt)).to.deep.equal(sent.map((_, k) => 100 + k));
    // The receiver travels as its node's ordinal (the same in every worker).
    expect(booked.every((b) => b.source === 0 && b.sender === 2 && b.receiver === 6 && b.size === 9)).to.equal(true);
    expect(booked.map((b) => b.small)).to.deep.equal(sent.map((_, k) => k % 2 === 0));
    const got = booked.map((b) => b.message);
    expect(got[0]).to.equal(msg.have(3));
    expect(got.slice(1, 2)).to.deep.equal([msg.request(9)]);
    expect(got[2]).to.deep.include({ index: 9 });
    expect((got[2] as { data: Uint8Array }).data).to.deep.equal(new Uint8Array(1000));
    expect((got[3] as { bits: Uint8Array }).bits).to.deep.equal(bits);
    expect(got.slice(4, 8)).to.deep.equal([msg.choke(), msg.unchoke(), msg.interested(), msg.notInterested()]);
    expect(got[8]).to.equal(undefined);
    // Collecting empties the outboxes.
    expect(mail.collect().map((b) => b.count)).to.deep.equal([0, 0]);
  });

  it('a message between two workers arrives when it would on one network (uplink by the sender, downlink by the receiver)', async () => {
    const specs: SimNodeSpec[] = [
      { id: 1, upload: 1 * MiB, download: 4 * MiB, latencyMs: 12 },
      { id: 2, upload: 2 * MiB, download: 0.5 * MiB, latencyMs: 20 },
    ];
    const timesOf = async (split: boolean): Promise<number[]> => {
      const { sides, arrivals } = twoPeers(specs, split);
      for (const side of sides) side.network.connect(2, 1);
      // Run in windows of 32 ms (the smallest one-way delay), passing the mail along as a coordinator does.
      for (let end = 32; end <= 4000; end += 32) {
        for (const side of sides) await side.scheduler.run({ beforeMs: end });
        if (split) {
          const out = sides.map((s) => s.mail!.collect());
          out.forEach((batches, source) => batches.forEach((b, w) => SimMail.deliver(b, source, sides[w]!.network)));
        }
        if (end === 96) {
          // Both ends are open by now (one round trip after the dial): peer 1 sends two pieces and a have.
          const link = [...sides].map((s) => s.network.node(1).transport).find((t) => t.linkFrom(2) !== undefined)!.linkFrom(2)!;
          void link.send(msg.piece(0, new Uint8Array(256 * 1024)));
          void link.send(msg.have(5));
          void link.send(msg.piece(1, new Uint8Array(256 * 1024)));
        }
      }
      return arrivals.map((a) => a.at);
    };
    const one = await timesOf(false);
    const two = await timesOf(true);
    expect(one).to.have.length(3);
    expect(two).to.deep.equal(one);
  });
});
