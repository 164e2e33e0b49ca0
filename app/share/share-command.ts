import * as fs from 'node:fs';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../../core/paths';
import { hashFileName, hashFilePieces } from '../../core/integrity/piece-hashes';
import { formatSize } from '../../core/util/size';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from '../run-peer';
import { defaultPieceSize } from './piece-size';
import { checkSharedFile, UsageError } from './shared-file';

export interface ShareArgs {
  readonly file: string;
  /** Peers on this machine (default 5); exclusive with `hosts`. */
  readonly peers?: number;
  /** One peer per host, in order; the first one seeds. */
  readonly hosts?: readonly string[];
  readonly pieceSize?: number;
  readonly firstPort: number;
  /** Default `share-<file name>` in the working folder. */
  readonly out?: string;
}

export const DEFAULT_SHARE_PEERS = 5;
const FIRST_ID = 1001;

/** The classic defaults (config/common.cfg). */
const CLASSIC_SETTINGS = { NumberOfPreferredNeighbors: 3, UnchokingInterval: 5, OptimisticUnchokingInterval: 10 };

export interface SharePlan {
  readonly fileName: string;
  readonly fileSize: number;
  readonly pieceSize: number;
  readonly peers: ReadonlyArray<{ id: number; host: string; port: number; seeder: boolean }>;
  readonly out: string;
}

/** `peer share`: a ready config folder for sharing one file, and the commands to run. */
export async function runShareCommand(args: ShareArgs): Promise<number> {
  let plan: SharePlan;
  try {
    plan = planShare(args);
  } catch (err) {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\nRun 'peer share --help' for usage.\n`);
    return EXIT_USAGE;
  }
  let how: 'hard link' | 'copy';
  try {
    how = await writeShareFolder(args.file, plan);
  } catch (err) {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return err instanceof UsageError ? EXIT_USAGE : EXIT_FAILURE;
  }
  process.stdout.write(describeShare(args.file, plan, how, args.hosts !== undefined));
  return EXIT_OK;
}

/** Checks everything the user gave before anything is written. */
export function planShare(args: ShareArgs): SharePlan {
  const fileSize = checkSharedFile(args.file);
  const fileName = path.basename(args.file);
  // common.cfg is whitespace-separated with # comments: such a name cannot be written there.
  if (/[\s#]/.test(fileName)) throw new UsageError(`${args.file}: the file name cannot contain spaces or '#' (common.cfg could not name it); rename or link it first`);
  const hosts = args.hosts ?? Array.from({ length: args.peers ?? DEFAULT_SHARE_PEERS }, () => 'localhost');
  if (hosts.length < 2) throw new UsageError(`a swarm needs at least 2 peers, got ${hosts.length}`);
  const badHost = hosts.find((h) => !/^[A-Za-z0-9.:_-]+$/.test(h));
  if (badHost !== undefined) throw new UsageError(`--hosts: "${badHost}" is not a host name or address`);
  if (args.firstPort + hosts.length - 1 > 65535) throw new UsageError(`--port ${args.firstPort}: ${hosts.length} peers need ports up to ${args.firstPort + hosts.length - 1}, above 65535`);
  const out = args.out ?? `share-${fileName}`;
  if (fs.existsSync(out) && (!fs.statSync(out).isDirectory() || fs.readdirSync(out).length > 0)) {
    throw new UsageError(`${out} already exists and is not an empty folder: choose another --out (nothing was written)`);
  }
  return {
    fileName,
    fileSize,
    pieceSize: args.pieceSize ?? defaultPieceSize(fileSize),
    peers: hosts.map((host, i) => ({ id: FIRST_ID + i, host, port: args.firstPort + i, seeder: i === 0 })),
    out,
  };
}

export function commonCfgText(plan: SharePlan): string {
  const pieces = Math.ceil(plan.fileSize / plan.pieceSize);
  return [
    `# written by peer share: ${plan.fileName}, ${formatSize(plan.fileSize)} in ${pieces} pieces`,
    ...Object.entries(CLASSIC_SETTINGS).map(([k, v]) => `${k} ${v}`),
    `FileName ${plan.fileName}`,
    `FileSize ${plan.fileSize}`,
    `PieceSize ${plan.pieceSize}`,
    '',
  ].join('\n');
}

export function peerInfoText(plan: SharePlan): string {
  return plan.peers.map((p) => `${p.id} ${p.host} ${p.port} ${p.seeder ? 1 : 0}`).join('\n') + '\n';
}

/**
 * Writes the folder next to its final place and renames it in at the end, so
 * a failure (a full disk, Ctrl-C while hashing) never leaves a half-made
 * config that looks ready. The user's file is only read and linked.
 */
async function writeShareFolder(file: string, plan: SharePlan): Promise<'hard link' | 'copy'> {
  const out = path.resolve(plan.out);
  const staging = `${out}.partial-${process.pid}`;
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging);
  try {
    fs.writeFileSync(path.join(staging, 'common.cfg'), commonCfgText(plan));
    fs.writeFileSync(path.join(staging, 'peer_info.cfg'), peerInfoText(plan));
    const hashes = await hashFilePieces(file, plan.pieceSize);
    fs.writeFileSync(path.join(staging, hashFileName(plan.fileName)), hashes.format());
    const seederDir = path.join(staging, `peer_${plan.peers[0]!.id}`);
    fs.mkdirSync(seederDir);
    const how = placeSeederCopy(file, path.join(seederDir, plan.fileName));
    if (fs.existsSync(out)) fs.rmdirSync(out); // checked empty in planShare
    fs.renameSync(staging, out);
    return how;
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw err;
  }
}

/**
 * A hard link costs no space or time, and a seeder only reads its file (a
 * leecher's finished download is renamed over its own name, which replaces a
 * link rather than writing through it). Across file systems, or where links
 * are refused, a copy (copy-on-write where the file system can).
 */
function placeSeederCopy(source: string, target: string): 'hard link' | 'copy' {
  try {
    fs.linkSync(source, target);
    return 'hard link';
  } catch {
    fs.copyFileSync(source, target, fs.constants.COPYFILE_FICLONE);
    return 'copy';
  }
}

/** What was written and the exact commands to run, for stdout. */
export function describeShare(file: string, plan: SharePlan, how: 'hard link' | 'copy', acrossHosts: boolean): string {
  const rel = path.relative(process.cwd(), path.resolve(plan.out)) || '.';
  const dir = /^[A-Za-z0-9._/-]+$/.test(rel) ? rel : `'${rel.replace(/'/g, `'\\''`)}'`;
  const pieces = Math.ceil(plan.fileSize / plan.pieceSize);
  const seeder = plan.peers[0]!;
  const last = plan.peers[plan.peers.length - 1]!;
  const seederFile = `peer_${seeder.id}/${plan.fileName}`;
  const width = Math.max('peer_info.cfg'.length, hashFileName(plan.fileName).length, seederFile.length);
  const row = (name: string, text: string): string => `  ${name.padEnd(width)}  ${text}`;
  const lines = [
    `wrote ${rel}/ to share ${plan.fileName} (${plan.fileSize} bytes, ${formatSize(plan.fileSize)}): ${pieces} pieces of ${formatSize(plan.pieceSize)}`,
    row('common.cfg', `FileName ${plan.fileName}, FileSize ${plan.fileSize}, PieceSize ${plan.pieceSize}`),
    row('peer_info.cfg', `${plan.peers.length} peers, ${seeder.id} (the seeder) to ${last.id}, ports ${seeder.port}-${last.port}`),
    row(hashFileName(plan.fileName), 'one SHA-256 per piece: swarmlab peers that find it verify every piece'),
    row(seederFile, `the seeder's copy (a ${how} of ${path.resolve(file)})`),
    '',
  ];
  if (acrossHosts) {
    lines.push(
      `Copy ${rel}/ to every host (only ${seeder.host} needs peer_${seeder.id}/), then run, in any order:`,
      ...plan.peers.map((p) => `  on ${p.host.padEnd(Math.max(...plan.peers.map((x) => x.host.length)))}  cd ${dir} && peer run --id ${p.id}`),
      `Each peer dials the ones listed before it (retrying until they are up), waits for the ones after it,`,
      `and exits 0 once every peer has the whole file. Open ports ${seeder.port}-${last.port} between the hosts.`,
    );
  } else {
    lines.push(
      'Run the whole swarm on this machine, each peer its own process, with every copy checked at the end:',
      `  peer swarm --config ${dir} --dir ${dir}`,
      'or one peer per terminal, in any order:',
      ...plan.peers.map((p) => `  cd ${dir} && peer run --id ${p.id}`),
    );
  }
  // An absolute path: the commands above run from any folder.
  lines.push(`(peer is node ${path.join(PACKAGE_ROOT, 'dist', 'app', 'peer.js')} until 'npm link' puts it on your PATH)`);
  return `${lines.join('\n')}\n`;
}
