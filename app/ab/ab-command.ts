import * as path from 'node:path';
import { DEFAULT_CONFIG_DIR, DEFAULT_MANIFEST } from '../../core/paths';
import { PluginLoadError, readManifest } from '../../core/plugin/plugin-registry';
import { formatSize } from '../../core/util/size';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from '../run-peer';
import { chooseCohort, cohortSize, mixedPlans, uniformPlan } from './mixed';
import { AbReport, RunMetrics, RunPlan, Variant } from './model';
import { loadProfile, ProfileError, shapePeers } from './profile';
import { runRealOnce, SwarmSpec } from './real-harness';
import { describeVariant } from './report-format';
import { writeReports } from './report-html';
import { formatTable } from './report-table';
import { buildSections } from './sections';
import { buildComparisons } from './stats';
import { parseVariant, validateVariant } from './variant';

export interface AbArgs {
  readonly a?: string;
  readonly b?: string;
  readonly chokeA?: string;
  readonly chokeB?: string;
  readonly peers: number;
  readonly runs: number;
  readonly fileSize: number;
  readonly pieceSize: number;
  readonly profile: string;
  readonly seed: number;
  readonly out: string;
  readonly timeoutSeconds: number;
  readonly preferred: number;
  readonly unchokingInterval: number;
  readonly optimisticInterval: number;
  readonly sim: boolean;
  readonly manifest: string;
  /** Mixed comparison: this fraction of the leechers runs B in the B run of each pair (see app/ab/mixed.ts). */
  readonly bFraction?: number;
}

export const DEFAULT_PROFILE = path.join(DEFAULT_CONFIG_DIR, 'profiles', 'mixed.json');

/** A function that runs one variant once and measures it: real sockets or the simulator. */
export type RunOnce = (spec: SwarmSpec, plan: RunPlan, pair: number, seed: number) => Promise<RunMetrics>;

/**
 * `peer ab`: the same swarm under A and under B, interleaved A, B, A, B...,
 * each pair with the same seed (same join times, same class assignment,
 * same random choices where the plugins agree), so the only difference is
 * the plugin under test. Prints a table and writes report.json/report.html.
 */
export async function runAbCommand(args: AbArgs, simulate?: RunOnce): Promise<number> {
  let a: Variant;
  let b: Variant;
  let spec: SwarmSpec;
  try {
    if (args.peers < 2) throw new PluginLoadError('--peers must be at least 2 (one seeder and a leecher)');
    if (args.runs < 1) throw new PluginLoadError('--runs must be at least 1');
    if (args.bFraction !== undefined && !(args.bFraction > 0 && args.bFraction <= 1)) {
      throw new PluginLoadError(`--b-fraction must be a number in (0, 1], got ${args.bFraction}`);
    }
    a = parseVariant('A', args.a, { choke: args.chokeA });
    b = parseVariant('B', args.b, { choke: args.chokeB });
    const manifest = readManifest(args.manifest);
    validateVariant(a, manifest);
    validateVariant(b, manifest);
    spec = {
      peers: args.peers,
      fileSize: args.fileSize,
      pieceSize: args.pieceSize,
      preferred: args.preferred,
      unchokingInterval: args.unchokingInterval,
      optimisticInterval: args.optimisticInterval,
      profile: loadProfile(args.profile),
      timeoutMs: args.timeoutSeconds * 1000,
    };
  } catch (err) {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return err instanceof PluginLoadError || err instanceof ProfileError ? EXIT_USAGE : EXIT_FAILURE;
  }
  const runOnce: RunOnce | undefined = args.sim ? simulate : runRealOnce;
  if (!runOnce) {
    process.stderr.write('error: the simulator is not available in this build\n');
    return EXIT_FAILURE;
  }
  const mixed = args.bFraction !== undefined;
  const mixNote = mixed ? ` (mixed: ${cohortSize(args.bFraction!, args.peers - 1)} of ${args.peers - 1} leechers on B in the B run, everyone on A in the A run)` : '';
  process.stderr.write(
    `ab: A = ${describeVariant(a)}; B = ${describeVariant(b)}${mixNote}; ${args.peers} peers, ${formatSize(args.fileSize)} in ${formatSize(args.pieceSize)} pieces, profile ${spec.profile.name}, ${args.runs} run pair(s), ${args.sim ? 'simulated' : 'real sockets'}\n`,
  );
  const runs: RunMetrics[] = [];
  for (let pair = 0; pair < args.runs; pair++) {
    const seed = args.seed + pair;
    const plans = mixed ? mixedPlans(a, b, chooseCohort(shapePeers(spec.profile, spec.peers, seed), args.bFraction!, seed)) : [uniformPlan(a), uniformPlan(b)];
    for (const plan of plans) {
      const started = Date.now();
      const m = await runOnce(spec, plan, pair, seed);
      runs.push(m);
      process.stderr.write(
        `  run ${pair + 1} ${plan.label}: ${m.ok ? `swarm complete in ${(m.swarmDoneMs! / 1000).toFixed(2)} s` : `FAILED: ${m.failure}`} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`,
      );
    }
  }
  const report: AbReport = {
    createdAt: new Date().toISOString(),
    mode: args.sim ? 'sim' : 'real',
    a,
    b,
    ...(mixed ? { bFraction: args.bFraction } : {}),
    peers: args.peers,
    fileSize: args.fileSize,
    pieceSize: args.pieceSize,
    profile: spec.profile.name,
    seed: args.seed,
    runs,
    comparisons: buildComparisons(runs, args.seed),
    sections: buildSections(runs, args.seed, mixed),
  };
  process.stdout.write(formatTable(report));
  const written = writeReports(report, args.out);
  process.stdout.write(`\nreports: ${written.json}\n         ${written.html}\n`);
  return runs.some((r) => r.ok) ? EXIT_OK : EXIT_FAILURE;
}

export { DEFAULT_MANIFEST };
