#!/usr/bin/env node
import 'reflect-metadata';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { DEFAULT_CONFIG_DIR, DEFAULT_MANIFEST, PACKAGE_ROOT } from '../core/paths';
import { fraction, portNumber, positiveNumber, sizeOption, wholeNumber } from './cli-options';
import { isPluginPath, readManifest } from '../core/plugin/plugin-registry';
import { EXIT_FAILURE, EXIT_USAGE, runPeer } from './run-peer';
import { checkPeerOptions, PluginSelection } from './compose/compose-peer';
import type { AbArgs, RunOnce } from './ab/ab-command';

// Every peer process starts from this file: the other commands' modules (statistics, reports,
// progress bars, the simulator) are loaded only when their command runs.
const DEFAULT_PROFILE = path.join(DEFAULT_CONFIG_DIR, 'profiles', 'mixed.json');

/** Loaded only for `peer ab --sim`, so a plain peer does not pay for the simulator. */
const simulateRun: RunOnce = async (...args) => (await import('./ab/sim-harness')).runSimOnce(...args);

/** The exit codes every command uses; `--help` shows them and the README says the same. */
export const EXIT_CODES_HELP = `
Exit codes:
  0  done (peer: every peer of the peer file has the whole file)
  1  failed while running (a port in use, the peer folder in use, a timeout, a
     swarm copy that differs; peer inspect: the logs show protocol violations)
  2  bad command line, config or hash file (nothing was started or written;
     peer swarm checks every option and plugin name before starting a process)

The protocol, the classic log lines and swarmlab's opt-in extensions: docs/protocol.md`;

export function packageVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}
function list(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').filter((s) => s !== '')];
}

/** The config dir: the one given, else the working directory if it holds config files, else the shipped defaults. */
export function defaultConfigDir(): string {
  const cwd = process.cwd();
  const here = ['common.cfg', 'Common.cfg'].some((f) => fs.existsSync(path.join(cwd, f)));
  return here ? cwd : DEFAULT_CONFIG_DIR;
}

/** Plugin choices shared by `run` and `swarm`. */
function pluginOptions(cmd: Command): Command {
  return cmd
    .option('--strategy <name|path>', 'strategy plugin: which piece to request next (default: random)')
    .option('--choke <name|path>', 'choke plugin (default: classic)')
    .option('--rate-meter <name|path>', 'rate-meter plugin the choke policy ranks by (default: interval)')
    .option('--rate-limiter <name|path>', 'rate-limiter plugin that applies --upload-rate/--download-rate (default: token-bucket)')
    .option('--upload-rate <rate>', 'cap piece uploads, e.g. 512KiB (per second)', sizeOption('--upload-rate'))
    .option('--download-rate <rate>', 'cap piece downloads, e.g. 2MiB (per second)', sizeOption('--download-rate'))
    .option('--logger <names>', 'logger plugin(s), comma-separated or repeated (default: classic)', list)
    .option('--storage <name|path>', 'storage plugin (default: file)')
    .option('--pipeline <n>', 'requests outstanding per neighbour (classic: 1)', wholeNumber('--pipeline', 1), 1)
    .option('--endgame', 'near the end, also request pieces already asked of others (first copy wins)', false)
    .option('--tls', 'speak the protocol inside mutual TLS, with the files of `peer tls init` (<config>/tls/)', false)
    .option('--latency <ms>', 'add this one-way delay to everything this peer sends and receives (a profile\'s latencyMs)', wholeNumber('--latency', 0))
    .option('--request-timeout <seconds>', 'a request unanswered this long goes to another neighbour (default 30)', positiveNumber('--request-timeout'))
    .option('--handshake-timeout <seconds>', 'a connection without a handshake this long is closed (default 10)', positiveNumber('--handshake-timeout'))
    .option('--config <dir>', 'folder with common.cfg / peer_info.cfg (or Common.cfg / PeerInfo.cfg)')
    .option('--manifest <file>', 'plugin manifest', DEFAULT_MANIFEST)
    .option('--seed <n>', 'seed for the random choices (repeatable runs)', wholeNumber('--seed', 0))
    .option('-v, --verbose', 'log the configuration read at start', false);
}

interface PluginFlags {
  strategy?: string;
  choke?: string;
  rateMeter?: string;
  rateLimiter?: string;
  uploadRate?: number;
  downloadRate?: number;
  endgame: boolean;
  tls: boolean;
  latency?: number;
  requestTimeout?: number;
  handshakeTimeout?: number;
  logger?: string[];
  storage?: string;
  pipeline: number;
  config?: string;
  manifest: string;
  seed?: number;
  verbose: boolean;
}

export function buildProgram(): Command {
  const program = new Command('peer')
    .description('swarmlab: a P2PFILESHARINGPROJ peer built from plugins')
    .version(`peer (swarmlab) ${packageVersion()}`, '-V, --version', 'print the version')
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride();

  pluginOptions(
    program
      .command('run', { isDefault: true })
      .description('run one peer until every peer of the peer file has the whole file')
      // Checked in the action rather than with requiredOption, so that an unknown option is reported first.
      .option('--id <peerId>', 'this peer\'s id in peer_info.cfg (required)', wholeNumber('--id', 0))
      .option('--dir <dir>', 'where peer_<id>/ lives', '.')
      .option('--log-dir <dir>', 'where log_peer_<id>.log is written', '.')
      .option('--timeout <seconds>', 'give up after this long: say which pieces and peers it was waiting for, exit 1', positiveNumber('--timeout'))
      .option('-q, --quiet', 'no status line or progress lines (problems are still reported on stderr)', false)
      .addOption(new Option('--listen-host <host>', 'interface to listen on (default: all)'))
      .addHelpText('after', `
The peer reports on stderr (stdout stays empty): on a terminal one live status
line (pieces, rates, neighbours, ETA) and a summary; otherwise a few plain
lines (listening, connections, complete, done). --quiet keeps only problems.
The classic log, log_peer_<id>.log, holds exactly the classic lines.`),
  ).action(async (opts: PluginFlags & { id?: number; dir: string; logDir: string; listenHost?: string; quiet: boolean; timeout?: number }, cmd: Command) => {
    if (opts.id === undefined) cmd.error("error: required option '--id <peerId>' not specified", { exitCode: EXIT_USAGE, code: 'peer.missingId' });
    process.exitCode = await runPeer({
      id: opts.id,
      configDir: opts.config ?? defaultConfigDir(),
      dataDir: opts.dir,
      logDir: opts.logDir,
      manifestFile: opts.manifest,
      selection: selectionOf(opts),
      limits: limitsOf(opts),
      pipeline: opts.pipeline,
      endgame: opts.endgame,
      requestTimeoutMs: seconds(opts.requestTimeout),
      handshakeTimeoutMs: seconds(opts.handshakeTimeout),
      verbose: opts.verbose,
      seed: opts.seed,
      listenHost: opts.listenHost,
      timeoutSeconds: opts.timeout,
      tls: opts.tls,
      latencyMs: opts.latency,
      quiet: opts.quiet,
    });
  });

  pluginOptions(
    program
      .command('swarm')
      .description('run every peer of the peer file on this machine as separate processes, then verify every copy')
      .option('--dir <dir>', 'working folder for peer_<id>/ folders and logs', 'run')
      .option('--timeout <seconds>', 'give up after this long', wholeNumber('--timeout', 1), 600)
      .option('--quiet', 'no progress display', false)
      .option('--make-file', 'create a missing seeder file from random bytes (done anyway for the shipped demo config)', false)
      .option('--ui', 'watch the swarm in a browser: serve a live page on 127.0.0.1 (the URL is printed)', false)
      .option('--ui-port <port>', 'port of the --ui page (default: a free one)', portNumber('--ui-port'))
      .option('--ui-linger <seconds>', 'keep the --ui page up this long after the swarm ends (default: until Ctrl-C)', wholeNumber('--ui-linger', 0)),
  ).action(async (opts: PluginFlags & { dir: string; timeout: number; quiet: boolean; makeFile: boolean; ui: boolean; uiPort?: number; uiLinger?: number }) => {
    const { runSwarmCommand } = await import('./swarm-command');
    const configDir = opts.config ?? defaultConfigDir();
    process.exitCode = await runSwarmCommand({
      configDir,
      dir: opts.dir,
      timeoutSeconds: opts.timeout,
      quiet: opts.quiet,
      makeFile: opts.makeFile,
      peerArgs: passThroughArgs(opts),
      checkPeers: (config) => {
        const manifest = readManifest(opts.manifest);
        for (const p of config.peers) {
          checkPeerOptions({ id: p.id, configDir, config, dataDir: opts.dir, logDir: opts.dir, manifest, selection: selectionOf(opts), limits: limitsOf(opts), pipeline: opts.pipeline, endgame: opts.endgame, verbose: opts.verbose });
        }
      },
      ui: opts.ui,
      uiPort: opts.uiPort,
      uiLingerSeconds: opts.uiLinger,
    });
  });

  program
    .command('share <file>')
    .description('write a ready config folder to share <file>: common.cfg, peer_info.cfg, the piece-hash file and the seeder\'s folder; print the commands to run')
    .option('--peers <n>', 'peers on this machine, the first one the seeder (default 5)', wholeNumber('--peers', 2))
    .option('--hosts <h1,h2,...>', 'one peer per host, in this order; the first host seeds', list)
    .option('--piece-size <size>', 'piece size, e.g. 256KiB (default: see below)', sizeOption('--piece-size'))
    .option('--port <n>', 'port of the first peer; the next peers use the next ports', wholeNumber('--port', 1), 6001)
    .option('--out <dir>', 'the folder to write (must not exist, or be empty) (default: share-<file name>)')
    .addHelpText('after', `
The default piece size is the smallest power of two from 16 KiB up to 16 MiB
that cuts the file into at most 2,000 pieces: small files keep the classic
16 KiB pieces, and a big file still has few enough pieces that bitfields,
'have' messages and the hash file stay small.

The file itself is never modified: the seeder's folder gets a hard link to it
when the output folder is on the same file system, else a copy.`)
    .action(async (file: string, opts: { peers?: number; hosts?: string[]; pieceSize?: number; port: number; out?: string }, cmd: Command) => {
      if (opts.peers !== undefined && opts.hosts !== undefined) cmd.error('error: give --peers or --hosts, not both', { exitCode: EXIT_USAGE, code: 'peer.shareConflict' });
      const { runShareCommand } = await import('./share/share-command');
      process.exitCode = await runShareCommand({ file, peers: opts.peers, hosts: opts.hosts, pieceSize: opts.pieceSize, firstPort: opts.port, out: opts.out });
    });

  program
    .command('hashes <file>')
    .description('print the piece-hash file of <file> (one lowercase hex SHA-256 per piece) on stdout')
    .requiredOption('--piece-size <size>', 'the PieceSize of the swarm, e.g. 16384 or 256KiB', sizeOption('--piece-size'))
    .action(async (file: string, opts: { pieceSize: number }) => {
      const { runHashesCommand } = await import('./share/hashes-command');
      process.exitCode = await runHashesCommand(file, opts.pieceSize);
    });

  program
    .command('inspect <logs...>')
    .description('check classic logs (log_peer_<id>.log, from any implementation): a timeline per peer, and the protocol violations they show (exit 1 if any)')
    .option('--config <dir>', 'the swarm\'s config folder, to know the number of pieces (default: common.cfg beside each log, if any)')
    .option('--choke-grace <seconds>', 'how long after a choke a piece from that neighbour may still arrive (it was requested before)', positiveNumber('--choke-grace'), 1)
    .addHelpText('after', `
Flags: a line not in the classic format (or about another peer), a piece
downloaded twice, a piece count that skips or goes back, a piece index past
the end of the file, a piece from a neighbour that had choked the peer (after
the grace period), a completion line before the last piece. Each with its
file and line. The rules in full: docs/protocol.md, "Checking a log".

Exit codes: 0 nothing found, 1 violations found, 2 a log or config that
cannot be read, or a bad command line.`)
    .action(async (logs: string[], opts: { config?: string; chokeGrace: number }) => {
      const { runInspectCommand } = await import('./inspect/inspect-command');
      process.exitCode = await runInspectCommand({ logs, configDir: opts.config, chokeGraceMs: opts.chokeGrace * 1000 });
    });

  program
    .command('watch <run-dir>')
    .description('serve a live page on 127.0.0.1 showing the peers whose jsonl event streams are in <run-dir> (peers started with --logger classic,jsonl --log-dir <run-dir>)')
    .option('--port <port>', 'port of the page (default: a free one)', portNumber('--port'))
    .action(async (dir: string, opts: { port?: number }) => {
      const { runWatchCommand } = await import('./watch/watch-command');
      process.exitCode = await runWatchCommand({ dir, port: opts.port });
    });

  program
    .command('ab')
    .description('compare two plugin variants on the same swarm, interleaved runs, with statistics and reports')
    .option('--a <settings>', 'variant A, e.g. strategy=rarest-first,choke=classic', '')
    .option('--b <settings>', 'variant B, e.g. strategy=random', '')
    .option('--choke-a <name|path>', 'choke policy of variant A')
    .option('--choke-b <name|path>', 'choke policy of variant B')
    .option('--peers <n>', 'peers in the swarm (one seeder)', wholeNumber('--peers', 2), 10)
    .option('--runs <n>', 'run pairs (A then B each time); 6+ lets a rank test reach p < 0.01', wholeNumber('--runs', 1), 6)
    .option('--file-size <size>', 'size of the shared file', sizeOption('--file-size'), 8 * 1024 * 1024)
    .option('--piece-size <size>', 'piece size', sizeOption('--piece-size'), 16 * 1024)
    .option('--profile <file>', 'bandwidth profile (config/profiles/*.json)', DEFAULT_PROFILE)
    .option('--seed <n>', 'seed of the first run pair (pair i uses seed + i)', wholeNumber('--seed', 0), 42)
    .option('--out <dir>', 'where report.json and report.html go', 'report')
    .option('--timeout <seconds>', 'a run still going after this long counts as failed', wholeNumber('--timeout', 1), 300)
    .option('--preferred <k>', 'NumberOfPreferredNeighbors', wholeNumber('--preferred', 1), 3)
    .option('--unchoking-interval <s>', 'UnchokingInterval in seconds', positiveNumber('--unchoking-interval'), 1)
    .option('--optimistic-interval <s>', 'OptimisticUnchokingInterval in seconds', positiveNumber('--optimistic-interval'), 2)
    .option('--sim', 'run the comparison in the virtual-time simulator instead of on real sockets', false)
    .option(
      '--b-fraction <F>',
      'mixed swarms: each pair runs everyone on A, then the same swarm with a fraction F (0 < F <= 1, at least one peer) of the leechers on B; metrics per cohort and for the whole swarm',
      fraction('--b-fraction'),
    )
    .option('--manifest <file>', 'plugin manifest', DEFAULT_MANIFEST)
    .action(async (opts: AbArgs & { timeout: number }) => {
      const { runAbCommand } = await import('./ab/ab-command');
      process.exitCode = await runAbCommand({ ...opts, timeoutSeconds: opts.timeout }, simulateRun);
    });

  const tls = program.command('tls').description('TLS for a swarm: peer tls init <config-dir>');
  // Bare `peer tls` is a usage error (one line and a pointer), like every other missing argument.
  tls.action(() => tls.error("error: peer tls needs a command: 'peer tls init <config-dir>'", { exitCode: 2, code: 'swarmlab.missingCommand' }));
  tls
    .command('init <config-dir>')
    .description('create a swarm CA and a key + certificate for every peer of the peer file, under <config-dir>/tls/')
    .option('--force', 'replace the CA and every certificate (peers must then all get the new files)', false)
    .action(async (configDir: string, opts: { force: boolean }) => {
      const { initTls } = await import('./tls/tls-init');
      const result = await initTls(configDir, opts.force);
      for (const f of result.created) process.stdout.write(`created ${f}${f.endsWith('.crt') && !f.endsWith('ca.crt') ? ` and its key (mode 0600)` : f.endsWith('ca.crt') ? ' and ca.key (mode 0600)' : ''}\n`);
      for (const f of result.kept) process.stdout.write(`kept    ${f}\n`);
      process.stdout.write(`start every peer with --tls (or put "Plugin.transport tls" in common.cfg) to use them\n`);
    });

  program.command('sim').description('simulate a swarm in virtual time with the same engine and plugins (peer sim --help)');

  const plugins = program.command('plugins').description('list the plugins of the manifest, or check a plugin against its contract');
  plugins
    .command('list', { isDefault: true })
    .description('list every plugin of the manifest with its kind and description')
    .option('--manifest <file>', 'plugin manifest', DEFAULT_MANIFEST)
    .action((opts: { manifest: string }) => {
      const entries = readManifest(opts.manifest);
      const width = Math.max(...entries.map((e) => e.kind.length + e.name.length + 1));
      for (const e of entries) process.stdout.write(`${`${e.kind}/${e.name}`.padEnd(width)}  ${e.description}\n`);
      process.stdout.write(`\nThe protocol these plugins serve, the classic log lines and the opt-in extensions: ${path.join(PACKAGE_ROOT, 'docs', 'protocol.md')}\n`);
    });
  plugins
    .command('test <plugin>')
    .description('run the contract checks of its kind against a plugin: a path to a .js file, or kind/name from the manifest')
    .option('--manifest <file>', 'plugin manifest', DEFAULT_MANIFEST)
    .action(async (ref: string, opts: { manifest: string }) => {
      const { testPlugin } = await import('./plugin-test-command');
      process.exitCode = await testPlugin(ref, opts.manifest);
    });

  pointAtHelpOnError(program);
  return program;
}

function selectionOf(opts: PluginFlags): Partial<PluginSelection> {
  return { strategy: opts.strategy, choke: opts.choke, rateMeter: opts.rateMeter, rateLimiter: opts.rateLimiter, storage: opts.storage, loggers: opts.logger };
}

function limitsOf(opts: PluginFlags): { upload?: number; download?: number } {
  return { upload: opts.uploadRate, download: opts.downloadRate };
}

/** A usage error prints the error and one line naming the help to read, not the whole help. */
function pointAtHelpOnError(cmd: Command, parents: string[] = []): void {
  const name = [...parents, cmd.name()].join(' ');
  cmd.showHelpAfterError(`Run '${name} --help' for usage.`);
  for (const sub of cmd.commands) pointAtHelpOnError(sub, [...parents, cmd.name()]);
}

function seconds(s: number | undefined): number | undefined {
  return s === undefined ? undefined : Math.round(s * 1000);
}

/** The plugin flags of `swarm`, passed on to each peer process. */
function passThroughArgs(opts: PluginFlags): string[] {
  // The peers run in the swarm's folder: a plugin given as a relative path must not change meaning there.
  const ref = (r: string): string => (isPluginPath(r) ? path.resolve(r) : r);
  const args: string[] = ['--manifest', path.resolve(opts.manifest), '--pipeline', String(opts.pipeline)];
  if (opts.strategy) args.push('--strategy', ref(opts.strategy));
  if (opts.choke) args.push('--choke', ref(opts.choke));
  if (opts.rateMeter) args.push('--rate-meter', ref(opts.rateMeter));
  if (opts.rateLimiter) args.push('--rate-limiter', ref(opts.rateLimiter));
  if (opts.uploadRate) args.push('--upload-rate', String(opts.uploadRate));
  if (opts.downloadRate) args.push('--download-rate', String(opts.downloadRate));
  if (opts.endgame) args.push('--endgame');
  if (opts.tls) args.push('--tls');
  if (opts.latency) args.push('--latency', String(opts.latency));
  if (opts.requestTimeout !== undefined) args.push('--request-timeout', String(opts.requestTimeout));
  if (opts.handshakeTimeout !== undefined) args.push('--handshake-timeout', String(opts.handshakeTimeout));
  if (opts.storage) args.push('--storage', ref(opts.storage));
  if (opts.logger) args.push('--logger', opts.logger.map(ref).join(','));
  if (opts.seed !== undefined) args.push('--seed', String(opts.seed));
  if (opts.verbose) args.push('--verbose');
  return args;
}

export async function main(argv: string[]): Promise<number> {
  // `peer sim` parses its own flags (loaded only when asked for).
  if (argv[0] === 'sim') return (await import('./sim-command')).runSimCommand(argv.slice(1));
  // Bare `peer` lists the commands (as `peer help` does) rather than complaining about a missing --id.
  if (argv.length === 0) argv = ['help'];
  const program = buildProgram();
  // `run` is the default command, so commander would take a misspelt command for run's argument.
  const commands = program.commands.map((c) => c.name());
  const first = argv[0]!;
  if (!first.startsWith('-') && first !== 'help' && !commands.includes(first)) {
    process.stderr.write(`error: unknown command '${first}' (commands: ${commands.join(', ')})\nRun 'peer --help' for usage.\n`);
    return EXIT_USAGE;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : EXIT_USAGE;
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return err instanceof Error && (err.name === 'PluginLoadError' || err.name === 'ConfigError') ? EXIT_USAGE : EXIT_FAILURE;
  }
}

/** Runs the command line and exits with its code. */
export function runCli(argv: string[]): void {
  // `peer plugins | head` closes our stdout early: that is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
  });
  main(argv).then((code) => exitAfterFlush(code));
}

if (require.main === module) runCli(process.argv.slice(2));

/** Exits once stdout, stderr and any IPC channel have drained. */
export function exitAfterFlush(code: number): void {
  const finish = (): void => {
    process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
  };
  if (process.send && process.connected) {
    // `peer swarm` shows each peer's peak resident memory (maxRSS, KiB) and CPU time (µs).
    const usage = process.resourceUsage();
    process.send({ kind: 'exit', code, maxRssKiB: usage.maxRSS, cpuMicros: usage.userCPUTime + usage.systemCPUTime }, () => finish());
  } else finish();
}
