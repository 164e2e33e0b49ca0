#!/usr/bin/env node
import 'reflect-metadata';
import { exitAfterFlush, main } from './peer';

/**
 * `peerProcess <id>`: the classic entry point. Reads Common.cfg / PeerInfo.cfg
 * (or common.cfg / peer_info.cfg) from the working directory and keeps
 * peer_<id>/ and log_peer_<id>.log there, as the classic project did.
 */
const args = process.argv.slice(2);
if (args.length !== 1 || !/^\d+$/.test(args[0]!)) {
  process.stderr.write('usage: peerProcess <peerId>\n');
  process.exit(2);
}
main(['run', '--id', args[0]!]).then((code) => exitAfterFlush(code));
