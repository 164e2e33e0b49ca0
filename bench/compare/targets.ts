/**
 * Issue 12's targets, checked against one `bench:compare` run: each is met,
 * not met (with the measured figure and what the profiles say stands in the
 * way, docs/performance.md), or not measured (its job or system was not run).
 */

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** What one job of the run measured: medians (seconds) per system key, and the largest peak RSS (MiB) of any swarmlab peer. */
export interface JobFigures {
  readonly fileSize: number;
  readonly pieceSize: number;
  readonly medianSeconds: ReadonlyMap<string, number>;
  readonly peakRssMiB?: number;
}

export interface Verdict {
  readonly target: string;
  readonly status: 'met' | 'NOT met' | 'not measured';
  /** The figure the verdict rests on. */
  readonly measured: string;
  /** For a target not met: what stands in the way (docs/performance.md says more). */
  readonly obstacle?: string;
}

const RSS_LIMIT_MIB = 100;
/**
 * "Flat": every job's peak within this many MiB of every other's, while the file grows 50x. Two runs of the
 * same job differ by up to ~5 MiB (when V8 happens to collect), so a smaller bound would judge noise.
 */
const FLAT_SPREAD_MIB = 10;

const SMALL_PIECES_OBSTACLE =
  'CPU-bound on 2 cores: five Node processes spend ~3 s of CPU on what libtorrent does in ~0.9 s in one process; ' +
  'every 16 KiB piece is a round trip plus a `have` to each neighbour and a classic log line, and the profile is flat ' +
  '(system calls ~20%, Node streams ~15%, GC ~5%, the engine and logger the rest)';
const BIG_PIECES_OBSTACLE =
  'CPU-bound on 2 cores: each byte is copied five times (file to seeder, seeder to socket, socket to leecher, into the ' +
  'piece, into the file), the system calls for it on one JavaScript thread per peer (writev, file writes, reads lead the ' +
  'profile), where libtorrent writes from disk threads into mapped files and uses both cores';

function find(jobs: readonly JobFigures[], fileSize: number, pieceSize: number): JobFigures | undefined {
  return jobs.find((j) => j.fileSize === fileSize && j.pieceSize === pieceSize);
}

/** The median of each of `systems` that ran this job. */
function mediansOf(job: JobFigures | undefined, systems: readonly string[]): Array<{ s: string; t: number }> {
  return systems.map((s) => ({ s, t: job?.medianSeconds.get(s) })).filter((x): x is { s: string; t: number } => x.t !== undefined);
}

function timeVerdict(target: string, job: JobFigures | undefined, systems: readonly string[], maxSeconds: number, obstacle: string): Verdict {
  const measured = mediansOf(job, systems);
  if (measured.length === 0) return { target, status: 'not measured', measured: 'job or system not run' };
  const met = measured.every(({ t }) => t < maxSeconds);
  return { target, status: met ? 'met' : 'NOT met', measured: measured.map(({ s, t }) => `${s} ${t.toFixed(2)} s`).join(', '), obstacle: met ? undefined : obstacle };
}

function ratioVerdict(target: string, job: JobFigures | undefined, systems: readonly string[], limit: number, obstacle: string): Verdict {
  const anchor = job?.medianSeconds.get('libtorrent');
  const measured = mediansOf(job, systems);
  if (!job || anchor === undefined || measured.length === 0) return { target, status: 'not measured', measured: 'job or system not run' };
  const parts = measured.map(({ s, t }) => `${s} ${(t / anchor).toFixed(2)}x (${t.toFixed(2)} s)`);
  const met = measured.every(({ t }) => t / anchor <= limit);
  return { target, status: met ? 'met' : 'NOT met', measured: parts.join(', '), obstacle: met ? undefined : obstacle };
}

/** The verdict on every target of issue 12 for the jobs of one run. */
export function checkTargets(jobs: readonly JobFigures[]): Verdict[] {
  const small = find(jobs, 20 * MiB, 16 * 1024);
  const mid = find(jobs, 256 * MiB, 256 * 1024);
  const big = find(jobs, GiB, 256 * 1024);
  const verdicts: Verdict[] = [
    ratioVerdict('20 MiB / 16 KiB, classic <= 1.0x libtorrent', small, ['classic'], 1.0, SMALL_PIECES_OBSTACLE),
    ratioVerdict('20 MiB / 16 KiB, --pipeline 4 --strategy rarest-first <= 0.6x', small, ['tuned'], 0.6, SMALL_PIECES_OBSTACLE),
    ratioVerdict('256 MiB <= 0.5x libtorrent', mid, ['classic', 'tuned'], 0.5, BIG_PIECES_OBSTACLE),
    ratioVerdict('1 GiB <= 0.5x libtorrent', big, ['classic', 'tuned'], 0.5, BIG_PIECES_OBSTACLE),
    timeVerdict('1 GiB in under 10 s', big, ['classic', 'tuned'], 10, BIG_PIECES_OBSTACLE),
  ];
  const withRss = jobs.filter((j) => j.peakRssMiB !== undefined);
  if (withRss.length === 0) {
    verdicts.push({ target: `peak RSS of every peer < ${RSS_LIMIT_MIB} MiB`, status: 'not measured', measured: 'no swarmlab run' });
  } else {
    const worst = Math.max(...withRss.map((j) => j.peakRssMiB!));
    const under = worst < RSS_LIMIT_MIB;
    verdicts.push({
      target: `peak RSS of every peer < ${RSS_LIMIT_MIB} MiB`,
      status: under ? 'met' : 'NOT met',
      measured: withRss.map((j) => `${label(j)} ${j.peakRssMiB!.toFixed(0)} MiB`).join(', '),
      obstacle: under ? undefined : 'piece buffers: V8 frees a buffer only after a collection, and big pieces make few collections',
    });
  }
  const sizes = new Set(withRss.map((j) => j.fileSize));
  if (sizes.size < 2 || big?.peakRssMiB === undefined) {
    verdicts.push({ target: 'peak RSS flat from 20 MiB to 1 GiB', status: 'not measured', measured: 'needs the 1 GiB job and a smaller one' });
  } else {
    const peaks = withRss.map((j) => j.peakRssMiB!);
    const spread = Math.max(...peaks) - Math.min(...peaks);
    const flat = spread <= FLAT_SPREAD_MIB;
    verdicts.push({
      target: `peak RSS flat from 20 MiB to 1 GiB (every job within ${FLAT_SPREAD_MIB} MiB)`,
      status: flat ? 'met' : 'NOT met',
      measured: `${Math.min(...peaks).toFixed(0)}-${Math.max(...peaks).toFixed(0)} MiB`,
      obstacle: flat ? undefined : 'memory grows with the file: look for per-piece state kept for the whole run',
    });
  }
  return verdicts;
}

function label(j: JobFigures): string {
  const size = (n: number): string => (n >= GiB ? `${n / GiB} GiB` : n >= MiB ? `${n / MiB} MiB` : `${n / 1024} KiB`);
  return `${size(j.fileSize)}/${size(j.pieceSize)}`;
}

/** The verdicts as lines for the terminal. */
export function formatVerdicts(verdicts: readonly Verdict[]): string[] {
  const lines = ['targets (issue 12; what stands in the way: docs/performance.md):'];
  for (const v of verdicts) {
    lines.push(`  ${v.status.padEnd(12)} ${v.target}: ${v.measured}`);
    if (v.obstacle) lines.push(`  ${''.padEnd(12)} in the way: ${v.obstacle}`);
  }
  return lines;
}
