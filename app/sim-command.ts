import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { DEFAULT_CONFIG_DIR, DEFAULT_MANIFEST } from '../core/paths';
import { PluginLoadError, readManifest } from '../core/plugin/plugin-registry';
import { FAILURE_EVENT_KINDS, simulate, SimulationOptions, SimulationResult } from './sim/run-simulation';
import { simulateParallel } from './sim/parallel-simulation';
import { SimSummary, Spread, summarize } from './sim/sim-summary';
import { formatSize } from '../core/util/size';
import { positiveNumber, sizeOption, wholeNumber } from './cli-options';
import { BandwidthProfile, loadProfile, ProfileError, shapePeers } from './ab/profile';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './run-peer';

export const DEFAULT_SIM_PROFILE = 'mixed';

interface SimFlags {
  peers: number;
  fileSize: number;
  pieceSize: number;
  strategy?: string;
  choke?: string;
  rateMeter?: string;
  pipeline: number;
  endgame?: boolean;
  seed: number;
  profile: string;
  degree: number;
  preferred: number;
  unchokingInterval: number;
  optimisticInterval: number;
  timeLimit: number;
  manifest: string;
  workers: number;
  quiet?: boolean;
}




/** A profile given by name (`mixed`: config/profiles/mixed.json of the package) or as a path to a JSON file. */
export function resolveProfilePath(ref: string): string {
  if (ref.includes('/') || ref.includes(path.sep) || ref.endsWith('.json')) return path.resolve(ref);
  return path.join(DEFAULT_CONFIG_DIR, 'profiles', `${ref}.json`);
}

function buildSimProgram(): Command {
  return new Command('peer sim')
    .description('simulate a whole swarm on virtual time: the real engine and plugins, simulated links (bandwidth and latency from a profile)')
    .exitOverride()
    .showHelpAfterError("Run 'peer sim --help' for usage.")
    .option('--peers <n>', 'peers in the swarm, one of them the seeder', wholeNumber('--peers', 2), 50)
    .addOption(new Option('--file-size <size>', 'size of the shared file, e.g. 64MiB').argParser(sizeOption('--file-size')).default(64 * 1024 * 1024, '64MiB'))
    .addOption(new Option('--piece-size <size>', 'piece size, e.g. 256KiB').argParser(sizeOption('--piece-size')).default(256 * 1024, '256KiB'))
    .option('--strategy <name|path>', 'strategy plugin: which piece to request next (default: random)')
    .option('--choke <name|path>', 'choke plugin (default: classic)')
    .option('--rate-meter <name|path>', 'rate-meter plugin (default: interval)')
    .option('--pipeline <n>', 'requests outstanding per neighbour (the classic protocol: 1)', wholeNumber('--pipeline', 1), 1)
    .option('--endgame', 'near the end, also request pieces already asked of others')
    .option('--seed <n>', 'seed for the topology, the profile and every random choice', wholeNumber('--seed', 0), 1)
    .option('--profile <name|file>', 'bandwidth profile: a name from config/profiles/ or a JSON file', DEFAULT_SIM_PROFILE)
    .option('--degree <n>', 'neighbours per peer (a tracker list); peers - 1 = the classic full mesh', wholeNumber('--degree', 1), 30)
    .option('--preferred <k>', 'NumberOfPreferredNeighbors', wholeNumber('--preferred', 1), 3)
    .option('--unchoking-interval <s>', 'UnchokingInterval (seconds)', positiveNumber('--unchoking-interval'), 5)
    .option('--optimistic-interval <s>', 'OptimisticUnchokingInterval (seconds)', positiveNumber('--optimistic-interval'), 10)
    .option('--time-limit <s>', 'give up at this virtual time (seconds)', positiveNumber('--time-limit'), 6 * 3600)
    .option('--manifest <file>', 'plugin manifest', DEFAULT_MANIFEST)
    .option(
      '--workers <n>',
      'split the swarm across this many threads, one per core (a partial mesh with latency only); repeatable for a given seed and worker count, close to but not event for event a one-thread run',
      wholeNumber('--workers', 1),
      1,
    )
    .option('--quiet', 'no progress lines on stderr');
}

/**
 * `peer sim`: one simulated swarm, with a short summary: when the swarm was
 * complete (virtual time), the leechers' completion times (median, p90) and
 * the wall time it took. `args` are the arguments after `sim`.
 */
export async function runSimCommand(args: readonly string[]): Promise<number> {
  let flags: SimFlags;
  let profile: BandwidthProfile;
  try {
    const program = buildSimProgram();
    program.configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });
    program.parse([...args], { from: 'user' });
    flags = program.opts<SimFlags>();
    if (flags.workers > 1 && flags.degree >= flags.peers - 1) throw new PluginLoadError(`--workers ${flags.workers} needs a partial mesh: --degree below --peers - 1 (${flags.peers - 1})`);
    if (flags.pieceSize > flags.fileSize) throw new PluginLoadError(`--piece-size (${formatSize(flags.pieceSize)}) is larger than --file-size (${formatSize(flags.fileSize)})`);
    const profileFile = resolveProfilePath(flags.profile);
    if (!fs.existsSync(profileFile)) throw new ProfileError(`${profileFile}: no such profile`);
    profile = loadProfile(profileFile);
    // The threads exchange messages once per smallest connection delay (the two ends' latencies added):
    // leechers without latency leave no window to run in (a seeder without is fine).
    const still = profile.classes.find((c) => !(c.latencyMs > 0));
    if (flags.workers > 1 && still) throw new PluginLoadError(`--workers ${flags.workers} needs latency between peers: class '${still.name}' of profile ${profile.name} has none`);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_USAGE;
  }

  const say = (line: string): void => {
    if (!flags.quiet) process.stderr.write(`${line}\n`);
  };
  const degree = Math.min(flags.degree, flags.peers - 1);
  const header =
    `sim: ${flags.peers} peers (1 seeder), ${formatSize(flags.fileSize)} in ${formatSize(flags.pieceSize)} pieces, profile ${profile.name}, ` +
    `strategy ${flags.strategy ?? 'random'}, choke ${flags.choke ?? 'classic'}, pipeline ${flags.pipeline}${flags.endgame ? ', endgame' : ''}, ` +
    `${degree === flags.peers - 1 ? 'full mesh' : `${degree} neighbours each`}, seed ${flags.seed}`;
  say(header);
  let result: SimulationResult;
  try {
    const options: SimulationOptions = {
      peers: flags.peers,
      fileSize: flags.fileSize,
      pieceSize: flags.pieceSize,
      preferredNeighbors: flags.preferred,
      unchokingIntervalS: flags.unchokingInterval,
      optimisticIntervalS: flags.optimisticInterval,
      shapes: shapePeers(profile, flags.peers, flags.seed),
      degree,
      seed: flags.seed,
      selection: { strategy: flags.strategy, choke: flags.choke, rateMeter: flags.rateMeter },
      pipeline: flags.pipeline,
      endgame: flags.endgame === true,
      manifest: readManifest(flags.manifest),
      timeLimitMs: flags.timeLimit * 1000,
      collect: FAILURE_EVENT_KINDS,
      progressEveryMs: 30_000,
      onProgress: (p) => say(`  ${(p.virtualMs / 1000).toFixed(0)} s virtual: ${p.joined}/${p.peers} joined, ${p.completed}/${p.peers} complete (${(p.wallMs / 1000).toFixed(1)} s wall)`),
    };
    result = flags.workers > 1 ? await simulateParallel(options, flags.workers) : await simulate(options);
  } catch (err) {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return err instanceof PluginLoadError || (err instanceof Error && err.name === 'ConfigError') ? EXIT_USAGE : EXIT_FAILURE;
  }
  process.stdout.write(formatSimSummary(result, summarize(result)));
  return result.complete ? EXIT_OK : EXIT_FAILURE;
}

function seconds(x: number): string {
  return Number.isFinite(x) ? `${x.toFixed(1)} s` : '-';
}

function spreadText(s: Spread): string {
  return `median ${seconds(s.median)}, p90 ${seconds(s.p90)}, max ${seconds(s.max)}`;
}

export function formatSimSummary(result: SimulationResult, s: SimSummary): string {
  const lines: string[] = [];
  if (result.complete) lines.push(`swarm complete at ${seconds(s.swarmCompleteS!)} virtual`);
  else lines.push(`swarm NOT complete (${result.stopReason}): ${s.completedLeechers} of ${s.leechers} leechers finished by ${seconds(result.virtualMs / 1000)} virtual`);
  lines.push(`leechers complete (since the start): ${spreadText(s.completion)}`);
  lines.push(`download time (join to complete):    ${spreadText(s.download)}`);
  if (s.byClass.length > 1) for (const c of s.byClass) lines.push(`  class ${c.className.padEnd(10)} (${c.download.n}): ${spreadText(c.download)}`);
  const failed = result.peers.filter((p) => p.outcome === 'failed');
  if (failed.length > 0) lines.push(`${failed.length} peer(s) failed, e.g. ${failed[0]!.id}: ${failed[0]!.failure}`);
  lines.push(`wall ${s.wallS.toFixed(1)} s (setup ${s.setupWallS.toFixed(1)} s), ${s.events.toLocaleString('en-US')} events`);
  return `${lines.join('\n')}\n`;
}
