#!/usr/bin/env python3
"""An independent, minimal peer of the classic P2PFILESHARINGPROJ protocol, in Python.

It exists to test swarmlab against an implementation that shares none of its
code. It follows the wire format of PROTOCOL.md and, on purpose, a few habits
of other implementations swarmlab must live with: it never retries a failed
connect, it repeats `interested` / `not interested` after every `have`, and it
unchokes every interested neighbour at once (its own choking policy).

usage: classic_peer.py <peerId> <configDir> <dataDir>
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
    def __init__(self, my_id, cfg_dir, data_dir):
        common, self.peers = read_config(cfg_dir)
        self.id = my_id
        self.file_size = int(common["FileSize"])
        self.piece_size = int(common["PieceSize"])
        self.n = (self.file_size + self.piece_size - 1) // self.piece_size
        me = [p for p in self.peers if p[0] == my_id][0]
        self.port, has_file = me[2], me[3]
        folder = os.path.join(data_dir, f"peer_{my_id}")
        os.makedirs(folder, exist_ok=True)
        self.path = os.path.join(folder, common["FileName"])
        if has_file:
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
        self.check_done()
        await self.done.wait()
        # Close gracefully. Closing a socket that holds unread bytes (a neighbour's
        # repeated `not interested`, say) makes the kernel answer with RST, and a
        # neighbour reset that way drops what it had not read yet: our last `have`s.
        # It would then wait forever to learn that we completed. So: FIN after what
        # we wrote, read until the neighbour closes too (bounded), then close.
        conns = list(self.conns.values())
        for c in conns:
            c.half_close()
        if conns:
            await asyncio.wait([asyncio.ensure_future(c.ended.wait()) for c in conns], timeout=5)
        for c in conns:
            c.w.close()
        server.close()
        self.f.close()
        self.logf.close()

    async def accepted(self, r, w):
        await Conn(self, r, w, expect=None).run()


class Conn:
    def __init__(self, peer, r, w, expect):
        self.p, self.r, self.w, self.expect = peer, r, w, expect
        self.theirs = set()
        self.choked_by_them = True
        self.outstanding = None
        self.outbound = False  # set by the dialler: decides how the connection is logged
        self.closing = False  # we sent FIN: nothing more may be written
        self.ended = asyncio.Event()  # the neighbour closed its side (or the connection broke)

    def send(self, t, payload=b""):
        if not self.closing:
            self.w.write(struct.pack(">IB", 1 + len(payload), t) + payload)

    def half_close(self):
        self.closing = True
        if self.w.can_write_eof():
            self.w.write_eof()

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
            return
        p.conns[self.rid] = self
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
            # The neighbour closed: close our side too, so that a neighbour closing
            # gracefully (waiting for our FIN) is not left waiting.
            self.closing = True
            self.w.close()
            self.ended.set()

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
            if i in p.have:
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
                    p.f.flush()
                    p.log("has downloaded the complete file.")
                    p.complete.add(p.id)
                    p.check_done()
            p.requested.discard(i)
            self.outstanding = None
            self.request_next()


if __name__ == "__main__":
    asyncio.run(Peer(int(sys.argv[1]), sys.argv[2], sys.argv[3]).run())
