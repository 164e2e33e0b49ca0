#!/usr/bin/env python3
"""An independent, minimal peer of the classic P2PFILESHARINGPROJ protocol, in Python.

It exists to test swarmlab against an implementation that shares none of its
code. It follows the wire format of PROTOCOL.md and, on purpose, a few habits
of other implementations swarmlab must live with: it never retries a failed
connect, it repeats `interested` / `not interested` after every `have`, and it
unchokes every interested neighbour at once (its own choking policy).

Two optional behaviours model peers swarmlab must survive:
  --lie     claims the whole file and answers every request with random bytes
            (it exits once every neighbour that connected has gone)
  --strict  closes a connection as soon as both sides hold the whole file, and
            takes each accepted connection as the next peer of the peer file,
            exiting with status 1 when the handshake names anyone else; after
            the swarm is done it keeps listening 1.5 s, so a redial is caught

usage: classic_peer.py <peerId> <configDir> <dataDir> [--lie | --strict]
"""
import asyncio
import os
import random
import struct
import sys
import time

HEADER = b"P2PFILESHARINGPROJ"
CHOKE, UNCHOKE, INTERESTED, NOT_INTERESTED, HAVE, BITFIELD, REQUEST, PIECE = range(8)


def read_config(cfg_dir):
    def pick(*names):
        for n in names:
            p = os.path.join(cfg_dir, n)
            if os.path.exists(p):
                return p
        raise SystemExit(f"missing {names[0]}")
    common = {}
    for line in open(pick("Common.cfg", "common.cfg")):
        line = line.split("#")[0].split()
        if len(line) == 2:
            common[line[0]] = line[1]
    peers = []
    for line in open(pick("PeerInfo.cfg", "peer_info.cfg")):
        f = line.split("#")[0].split()
        if len(f) == 4:
            peers.append((int(f[0]), f[1], int(f[2]), f[3] == "1"))
    return common, peers


class Peer:
    def __init__(self, my_id, cfg_dir, data_dir, mode=None):
        common, self.peers = read_config(cfg_dir)
        self.id = my_id
        self.lie = mode == "--lie"
        self.strict = mode == "--strict"
        self.failed = None
        self.closing = False
        self.met = set()
        self.file_size = int(common["FileSize"])
        self.piece_size = int(common["PieceSize"])
        self.n = (self.file_size + self.piece_size - 1) // self.piece_size
        me = [p for p in self.peers if p[0] == my_id][0]
        self.port, has_file = me[2], me[3]
        folder = os.path.join(data_dir, f"peer_{my_id}")
        os.makedirs(folder, exist_ok=True)
        self.path = os.path.join(folder, common["FileName"])
        if self.lie:
            self.have = set(range(self.n))
            self.f = None
            has_file = True
        elif has_file:
            self.have = set(range(self.n))
            self.f = open(self.path, "rb")
        else:
            self.have = set()
            self.f = open(self.path, "w+b")
            self.f.truncate(self.file_size)
        self.conns = {}  # peer id -> Conn
        self.complete = {p[0] for p in self.peers if p[0] == my_id and has_file}
        self.requested = set()
        self.done = asyncio.Event()
        self.logf = open(os.path.join(data_dir, f"log_peer_{my_id}.log"), "w")

    def log(self, text):
        self.logf.write(f"[{time.strftime('%a %b %d %H:%M:%S %Y')}]: Peer {self.id} {text}\n")
        self.logf.flush()

    def length(self, i):
        return min(self.piece_size, self.file_size - i * self.piece_size)

    def bitfield(self):
        b = bytearray((self.n + 7) // 8)
        for i in self.have:
            b[i >> 3] |= 0x80 >> (i & 7)
        return bytes(b)

    def check_done(self):
        if all(p[0] in self.complete for p in self.peers):
            self.done.set()

    async def run(self):
        server = await asyncio.start_server(self.accepted, "127.0.0.1", self.port)
        print("listening", flush=True)  # lets a test start the next peer only once this one accepts
        for pid, host, port, _ in self.peers:
            if pid == self.id:
                break
            r, w = await asyncio.open_connection(host, port)  # no retry, as some implementations do
            conn = Conn(self, r, w, expect=pid)
            conn.outbound = True
            asyncio.ensure_future(conn.run())
        # Peers listed after us, in file order: a strict peer expects its accepted connections in this order.
        self.expected_inbound = [p[0] for p in self.peers[[p[0] for p in self.peers].index(self.id) + 1:]]
        self.check_done()
        await self.done.wait()
        if self.strict:
            await asyncio.sleep(1.5)  # still accepting: a redial now is a connection nobody should make
        # Say we are done (FIN) but read on until each neighbour closes too: closing a socket with unread
        # data makes the kernel send a reset, which can destroy what we sent last (a final `have`) before
        # the neighbour has read it, leaving it waiting for us forever.
        self.closing = True
        for c in list(self.conns.values()):
            if c.w.can_write_eof():
                c.w.write_eof()
        for _ in range(40):
            if not self.conns:
                break
            await asyncio.sleep(0.05)
        for c in list(self.conns.values()):
            c.w.close()
        server.close()
        if self.f:
            self.f.close()
        self.logf.close()
        if self.failed:
            print(self.failed, file=sys.stderr, flush=True)
            sys.exit(1)

    async def accepted(self, r, w):
        if self.strict:
            # The next accepted connection is taken to be the next later peer of the file.
            expect = self.expected_inbound.pop(0) if self.expected_inbound else -1
            await Conn(self, r, w, expect=expect).run()
        else:
            await Conn(self, r, w, expect=None).run()

    def lie_check(self):
        # A liar has nothing to wait for but its neighbours leaving.
        if self.lie and not self.conns and self.met >= {p[0] for p in self.peers if p[0] != self.id}:
            self.done.set()


class Conn:
    def __init__(self, peer, r, w, expect):
        self.p, self.r, self.w, self.expect = peer, r, w, expect
        self.theirs = set()
        self.choked_by_them = True
        self.outstanding = None
        self.outbound = False  # set by the dialler: decides how the connection is logged

    def send(self, t, payload=b""):
        if self.p.closing:
            return
        self.w.write(struct.pack(">IB", 1 + len(payload), t) + payload)

    async def run(self):
        p = self.p
        self.w.write(HEADER + bytes(10) + struct.pack(">I", p.id))
        hs = await self.r.readexactly(32)
        if hs[:18] != HEADER:
            self.w.close()
            return
        self.rid = struct.unpack(">I", hs[28:])[0]
        if self.expect is not None and self.rid != self.expect:
            self.w.close()
            if p.strict and self.expect is not None:
                p.failed = f"peer {p.id}: accepted a connection from {self.rid} where the peer file says {self.expect if self.expect != -1 else 'nobody'} comes next"
                p.done.set()
            return
        p.conns[self.rid] = self
        p.met.add(self.rid)
        p.log(f"makes a connection to Peer {self.rid}." if self.outbound else f"is connected from Peer {self.rid}.")
        if p.have:
            self.send(BITFIELD, p.bitfield())
        try:
            while True:
                length, t = struct.unpack(">IB", await self.r.readexactly(5))
                payload = await self.r.readexactly(length - 1)
                self.handle(t, payload)
                await self.w.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            p.conns.pop(self.rid, None)
            if self.outstanding is not None:
                p.requested.discard(self.outstanding)
            p.lie_check()
            # The neighbour closed: close our side too, so a neighbour closing gracefully
            # (waiting for our FIN) is not left waiting.
            self.w.close()

    def interest(self):
        # Repeats the message after every update, even when nothing changed.
        self.send(INTERESTED if self.theirs - self.p.have else NOT_INTERESTED)

    def request_next(self):
        p = self.p
        if self.choked_by_them or self.outstanding is not None:
            return
        choices = list(self.theirs - p.have - p.requested)
        if choices:
            self.outstanding = random.choice(choices)
            p.requested.add(self.outstanding)
            self.send(REQUEST, struct.pack(">I", self.outstanding))

    def learned(self):
        p = self.p
        if len(self.theirs) == p.n:
            p.complete.add(self.rid)
            p.check_done()
        self.interest()
        self.request_next()
        self.strict_close()

    def strict_close(self):
        # Both sides hold the whole file: nothing more to say on this connection.
        p = self.p
        if p.strict and len(self.theirs) == p.n and len(p.have) == p.n:
            self.w.close()

    def handle(self, t, payload):
        p = self.p
        if t == BITFIELD:
            self.theirs = {i for i in range(p.n) if payload[i >> 3] & (0x80 >> (i & 7))}
            self.learned()
        elif t == HAVE:
            i = struct.unpack(">I", payload)[0]
            p.log(f"received the 'have' message from {self.rid} for the piece {i}.")
            self.theirs.add(i)
            self.learned()
        elif t == INTERESTED:
            p.log(f"received the 'interested' message from {self.rid}.")
            self.send(UNCHOKE)
        elif t == NOT_INTERESTED:
            p.log(f"received the 'not interested' message from {self.rid}.")
        elif t == UNCHOKE:
            if self.choked_by_them:
                p.log(f"is unchoked by {self.rid}.")
            self.choked_by_them = False
            self.request_next()
        elif t == CHOKE:
            if not self.choked_by_them:
                p.log(f"is choked by {self.rid}.")
            self.choked_by_them = True
            if self.outstanding is not None:
                p.requested.discard(self.outstanding)
                self.outstanding = None
        elif t == REQUEST:
            i = struct.unpack(">I", payload)[0]
            if p.lie:
                self.send(PIECE, payload + os.urandom(p.length(i)))
            elif i in p.have:
                p.f.seek(i * p.piece_size)
                self.send(PIECE, payload + p.f.read(p.length(i)))
        elif t == PIECE:
            i = struct.unpack(">I", payload[:4])[0]
            if i != self.outstanding:
                return  # a late answer to a request given up on a choke: not ours to keep
            if i not in p.have and len(payload) - 4 == p.length(i):
                p.f.seek(i * p.piece_size)
                p.f.write(payload[4:])
                p.have.add(i)
                p.log(f"has downloaded the piece {i} from {self.rid}. Now the number of pieces it has is {len(p.have)}.")
                for c in list(p.conns.values()):
                    c.send(HAVE, struct.pack(">I", i))
                    c.interest()
                if len(p.have) == p.n:
                    print("complete", flush=True)  # lets a test wait for this peer's copy
                    p.f.flush()
                    p.log("has downloaded the complete file.")
                    p.complete.add(p.id)
                    p.check_done()
                    for c in list(p.conns.values()):
                        c.strict_close()
            p.requested.discard(i)
            self.outstanding = None
            self.request_next()


if __name__ == "__main__":
    asyncio.run(Peer(int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None).run())
