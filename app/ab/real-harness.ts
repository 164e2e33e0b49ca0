import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PeerOutcome, runLocalSwarm } from '../swarm/local-swarm';
import { freePorts } from '../swarm/free-ports';
import { computeRunMetrics, PeerRecord, readJsonlRecord } from './metrics';
import { RunMetrics, RunPlan } from './model';
import { BandwidthProfile, shapePeers } from './profile';
import { variantArgs } from './variant';

export interface SwarmSpec {
  readonly peers: number;
  readonly fileSize: number;
  readonly pieceSize: number;
  readonly preferred: number;
  readonly unchokingInterval: number;
  readonly optimisticInterval: number;
  readonly profile: BandwidthProfile;
  readonly timeoutMs: number;
}

/**
 * One run of one variant on real sockets: a fresh folder and config, every
 * peer its own process with the profile's limits, latency and join time, events
 * recorded by the `jsonl` logger and turned into metrics. A run that fails
 * or hangs (bounded by the timeout) comes back as a failed RunMetrics; no
 * process or port is left behind.
 */
export async function runRealOnce(spec: SwarmSpec, plan: RunPlan, pair: number, seed: number): Promise<RunMetrics> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `swarmlab-ab-${plan.label}-`));
  try {
    const ports = await freePorts(spec.peers);
    const ids = ports.map((_, i) => 1001 + i);
    fs.writeFileSync(
      path.join(dir, 'common.cfg'),
      [
        `NumberOfPreferredNeighbors ${spec.preferred}`,
        `UnchokingInterval ${spec.unchokingInterval}`,
        `OptimisticUnchokingInterval ${spec.optimisticInterval}`,
        'FileName TheFile.dat',
        `FileSize ${spec.fileSize}`,
        `PieceSize ${spec.pieceSize}`,
        '',
      ].join('\n'),
    );
    fs.writeFileSync(path.join(dir, 'peer_info.cfg'), ids.map((id, i) => `${id} 127.0.0.1 ${ports[i]} ${i === 0 ? 1 : 0}`).join('\n') + '\n');
    const shapes = shapePeers(spec.profile, spec.peers, seed);
    const shapeOf = (id: number) => shapes[ids.indexOf(id)]!;
    const result = await runLocalSwarm({
      configDir: dir,
      dir,
      peerArgs: ['--logger', 'jsonl', '--seed', String(seed), '--listen-host', '127.0.0.1'],
      argsFor: (peer) => {
        const s = shapeOf(peer.id);
        return [
          ...variantArgs(plan.variantOf(ids.indexOf(peer.id))),
          ...(s.upload ? ['--upload-rate', String(s.upload)] : []),
          ...(s.download ? ['--download-rate', String(s.download)] : []),
          ...(s.latencyMs > 0 ? ['--latency', String(Math.round(s.latencyMs))] : []),
        ];
      },
      startDelayMs: (peer) => shapeOf(peer.id).joinMs,
      timeoutMs: spec.timeoutMs,
      makeFile: true,
    });
    const failure = result.timedOut
      ? `timed out after ${(spec.timeoutMs / 1000).toFixed(0)} s${whereItStood(result.peers)}`
      : result.peers.filter((p) => p.exitCode !== 0).map((p) => `peer ${p.id} exited with ${p.signal ?? p.exitCode}${p.stderr ? `: ${p.stderr.trim().split('\n').pop()}` : ''}`)[0] ??
        result.peers.filter((p) => !p.identical).map((p) => `peer ${p.id}'s copy differs from the original`)[0];
    const records: PeerRecord[] = ids.map((id, i) => {
      const file = path.join(dir, `log_peer_${id}.jsonl`);
      const record = fs.existsSync(file) ? readJsonlRecord(file, id, i === 0, shapes[i]!.className) : { id, seeder: i === 0, profileClass: shapes[i]!.className, events: [] };
      return { ...record, cohort: plan.cohortOf?.(i) };
    });
    return computeRunMetrics(records, { variant: plan.label, pair, seed, numPieces: Math.ceil(spec.fileSize / spec.pieceSize), fileSize: spec.fileSize, failure });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** What a run that ran out of time had got to, peer by peer: the first clue to a hang. */
function whereItStood(peers: readonly PeerOutcome[]): string {
  const stuck = peers.filter((p) => p.runningAtTimeout);
  if (stuck.length === 0) return '';
  const one = (p: PeerOutcome): string => {
    const held = p.seeder || p.completedAt !== undefined ? 'had the file' : p.progress ? `held ${p.progress.have}/${p.progress.total} pieces` : 'held no piece';
    const said = p.stderr.trim().split('\n').pop();
    return `peer ${p.id} ${held}${said ? ` (last said: ${said})` : ''}`;
  };
  return `; still running: ${stuck.map(one).join('; ')}`;
}
