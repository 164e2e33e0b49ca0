import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseCommonConfig } from '../../core/config/common-config';
import { ConfigError } from '../../core/config/config-error';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from '../run-peer';
import { inspectLog, PeerTimeline, Stamp } from './inspect-log';

export interface InspectArgs {
  readonly logs: readonly string[];
  /** Where common.cfg is (for the number of pieces); default: beside each log, if there. */
  readonly configDir?: string;
  readonly chokeGraceMs: number;
}

/** `peer inspect`: a timeline per log on stdout; exit 1 if any log shows a protocol violation. */
export async function runInspectCommand(args: InspectArgs): Promise<number> {
  const timelines: PeerTimeline[] = [];
  try {
    const given = args.configDir === undefined ? undefined : totalPiecesIn(args.configDir, true);
    for (const log of args.logs) {
      let text: string;
      try {
        text = fs.readFileSync(log, 'utf8');
      } catch (err) {
        throw new ConfigError(log, undefined, `cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      }
      const totalPieces = given ?? totalPiecesIn(path.dirname(log), false);
      timelines.push(inspectLog(log, text, { totalPieces, chokeGraceMs: args.chokeGraceMs }));
    }
  } catch (err) {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_USAGE;
  }
  process.stdout.write(timelines.map(formatTimeline).join('\n'));
  const bad = timelines.filter((t) => t.findings.length > 0);
  const count = bad.reduce((n, t) => n + t.findings.length, 0);
  process.stdout.write(
    `\n${timelines.length} log${timelines.length === 1 ? '' : 's'}: ${count === 0 ? 'no protocol violations found' : `${count} protocol violation${count === 1 ? '' : 's'} in ${bad.length} of them`}\n`,
  );
  return count === 0 ? EXIT_OK : EXIT_FAILURE;
}

/** The number of pieces from common.cfg / Common.cfg in `dir`; undefined if there is none and it is optional. */
function totalPiecesIn(dir: string, required: boolean): number | undefined {
  const file = ['common.cfg', 'Common.cfg'].map((n) => path.join(dir, n)).find((f) => fs.existsSync(f));
  if (!file) {
    if (required) throw new ConfigError(path.join(dir, 'common.cfg'), undefined, 'missing config file (looked for common.cfg or Common.cfg)');
    return undefined;
  }
  const common = parseCommonConfig(fs.readFileSync(file, 'utf8'), file);
  return Math.ceil(common.fileSize / common.pieceSize);
}

export function formatTimeline(t: PeerTimeline): string {
  const when = (s: Stamp | undefined): string => {
    if (!s) return '-';
    if (s.time !== undefined && t.first?.time !== undefined) return `+${((s.time - t.first.time) / 1000).toFixed(3)} s (line ${s.line})`;
    return `line ${s.line}`;
  };
  const span = t.first?.time !== undefined && t.last?.time !== undefined ? `, ${((t.last.time - t.first.time) / 1000).toFixed(3)} s from first to last line` : '';
  const out: string[] = [`${t.source}: peer ${t.self ?? '?'}, ${t.lines} lines${span}${t.runs > 1 ? `, ${t.runs} runs` : ''}`];
  const row = (label: string, text: string): void => void out.push(`  ${label.padEnd(12)} ${text}`);
  row('connections', `made to ${list(t.dialled)}; accepted from ${list(t.acceptedFrom)}`);
  if (t.firstPiece) {
    row('first piece', `${t.firstPiece.index} from ${t.firstPiece.from} at ${when(t.firstPiece)}`);
    row('last piece', `${t.lastPiece!.index} from ${t.lastPiece!.from} at ${when(t.lastPiece)}`);
    const total = [...t.piecesFrom.values()].reduce((a, b) => a + b, 0);
    row('pieces from', `${[...t.piecesFrom].map(([id, n]) => `${id}: ${n}`).join(', ')} (${total} in all, count now ${t.pieces})`);
  } else {
    row('pieces', 'none downloaded (a seeder, or a peer that got nothing)');
  }
  row('complete', t.complete ? `at ${when(t.complete)} with ${t.complete.count} pieces` : 'no "has downloaded the complete file" line');
  const chokedBy = tally(t.chokes.filter((c) => c.choked).map((c) => c.by));
  const unchokedBy = tally(t.chokes.filter((c) => !c.choked).map((c) => c.by));
  row('choked by', chokedBy || 'nobody');
  row('unchoked by', unchokedBy || 'nobody');
  row('preferred', changes(t.preferred.map((p) => `${when(p)}: ${p.neighbors.join(',')}`)));
  row('optimistic', changes(t.optimistic.map((p) => `${when(p)}: ${p.peer}`)));
  if (t.findings.length === 0) row('violations', 'none');
  else {
    row('violations', String(t.findings.length));
    for (const f of t.findings) out.push(`    ${t.source}:${f.line}: ${f.kind}: ${f.message}`);
  }
  return `${out.join('\n')}\n`;
}

const list = (ids: readonly number[]): string => (ids.length === 0 ? 'nobody' : ids.join(', '));

/** `1001 x3, 1003 x1`. */
function tally(ids: readonly number[]): string {
  const counts = new Map<number, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  return [...counts].map(([id, n]) => `${id} x${n}`).join(', ');
}

/** A few changes in full, then how many more. */
function changes(items: readonly string[]): string {
  if (items.length === 0) return 'no change logged';
  const shown = items.slice(0, 4).join('; ');
  return `${items.length} change${items.length === 1 ? '' : 's'}: ${shown}${items.length > 4 ? `; ... (${items.length - 4} more)` : ''}`;
}
