#!/usr/bin/env node
import 'reflect-metadata';
import { EXIT_CODES_HELP, exitAfterFlush, main, packageVersion } from './peer';

/**
 * `peerProcess <id>`: the classic entry point. Reads Common.cfg / PeerInfo.cfg
 * (or common.cfg / peer_info.cfg) from the working directory and keeps
 * peer_<id>/ and log_peer_<id>.log there, as the classic project did.
 */
const HELP = `Usage: peerProcess <peerId>

The classic entry point (as in 'java peerProcess 1001'): runs peer <peerId>
until every peer of the peer file has the whole file, then exits.

Everything is in the working folder:
  Common.cfg or common.cfg        the swarm's settings (FileName, FileSize, PieceSize, intervals)
  PeerInfo.cfg or peer_info.cfg   one line per peer: id host port hasFile
  peer_<peerId>/                  holds the file (complete at start if hasFile is 1)
  log_peer_<peerId>.log           the classic log, written as the peer runs

It is 'peer run --id <peerId>' with the config in the working folder; for
plugin choices and other options use 'peer run --help'.
${EXIT_CODES_HELP}
`;

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--help' || args[0] === '-h')) {
  process.stdout.write(HELP);
  exitAfterFlush(0);
} else if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`peerProcess (swarmlab) ${packageVersion()}\n`);
  exitAfterFlush(0);
} else if (args.length !== 1 || !/^\d+$/.test(args[0]!)) {
  process.stderr.write(`error: expected one peer id, got ${args.length === 0 ? 'nothing' : JSON.stringify(args.join(' '))}\nusage: peerProcess <peerId>   (peerProcess --help explains)\n`);
  process.exitCode = 2;
} else {
  main(['run', '--id', args[0]!]).then((code) => exitAfterFlush(code));
}
