import * as fs from 'node:fs';
import { Random, SeededRandom } from '../../core/util/random';
import { parseSize } from '../../core/util/size';

/**
 * A bandwidth profile: how fast each peer of a test swarm uploads and
 * downloads, how far away it is, and when it joins. Both the real-socket
 * harness (token-bucket limits, a delay stage, delayed starts) and the simulator (link
 * models) read the same file.
 */
export interface ClassSpec {
  readonly name: string;
  /** Relative weight: how many leechers fall in this class. */
  readonly share: number;
  /** Bytes per second (undefined: unlimited). */
  readonly upload?: number;
  readonly download?: number;
  /** One-way latency of the peer's access link: the simulator's links and the real transport's delay stage both apply it. */
  readonly latencyMs: number;
  /** Join time: fixed, or uniformly random in [min, max]. */
  readonly joinMs: number | readonly [number, number];
}

export interface BandwidthProfile {
  readonly name: string;
  readonly description: string;
  readonly seeder: ClassSpec;
  readonly classes: readonly ClassSpec[];
}

/** The shape of one peer of a generated swarm; index 0 is the seeder. */
export interface PeerShape {
  readonly className: string;
  readonly upload?: number;
  readonly download?: number;
  readonly latencyMs: number;
  readonly joinMs: number;
}

export class ProfileError extends Error {
  override readonly name = 'ProfileError';
}

export const UNLIMITED_PROFILE: BandwidthProfile = {
  name: 'unlimited',
  description: 'no limits: every peer as fast as loopback allows, all join at once',
  seeder: { name: 'seeder', share: 1, latencyMs: 0, joinMs: 0 },
  classes: [{ name: 'peer', share: 1, latencyMs: 0, joinMs: 0 }],
};

export function loadProfile(file: string): BandwidthProfile {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ProfileError(`${file}: cannot read profile: ${err instanceof Error ? err.message : String(err)}`);
  }
  return parseProfile(raw, file);
}

export function parseProfile(raw: unknown, file: string): BandwidthProfile {
  const obj = asObject(raw, file, 'the profile');
  const name = typeof obj.name === 'string' ? obj.name : file;
  const classesRaw = obj.classes;
  if (!Array.isArray(classesRaw) || classesRaw.length === 0) throw new ProfileError(`${file}: "classes" must be a non-empty list`);
  const classes = classesRaw.map((c, i) => parseClass(c, file, `classes[${i}]`));
  const seeder = obj.seeder === undefined ? { ...UNLIMITED_PROFILE.seeder } : parseClass({ name: 'seeder', share: 1, ...asObject(obj.seeder, file, 'seeder') }, file, 'seeder');
  return { name, description: typeof obj.description === 'string' ? obj.description : '', seeder, classes };
}

function parseClass(raw: unknown, file: string, where: string): ClassSpec {
  const c = asObject(raw, file, where);
  const rate = (key: 'upload' | 'download'): number | undefined => {
    const v = c[key];
    if (v === undefined || v === 'unlimited') return undefined;
    if (typeof v !== 'string' && typeof v !== 'number') throw new ProfileError(`${file}: ${where}.${key} must be a rate such as "1MiB"`);
    try {
      const n = parseSize(String(v));
      if (n <= 0) throw new RangeError('must be positive');
      return n;
    } catch (err) {
      throw new ProfileError(`${file}: ${where}.${key}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const share = c.share ?? 1;
  if (typeof share !== 'number' || !(share > 0)) throw new ProfileError(`${file}: ${where}.share must be a positive number`);
  const latencyMs = c.latencyMs ?? 0;
  if (typeof latencyMs !== 'number' || latencyMs < 0) throw new ProfileError(`${file}: ${where}.latencyMs must be a number >= 0`);
  const join = c.joinMs ?? 0;
  const validJoin =
    (typeof join === 'number' && join >= 0) ||
    (Array.isArray(join) && join.length === 2 && join.every((x) => typeof x === 'number' && x >= 0) && (join[0] as number) <= (join[1] as number));
  if (!validJoin) throw new ProfileError(`${file}: ${where}.joinMs must be ms >= 0 or [min, max]`);
  if (typeof c.name !== 'string' || c.name === '') throw new ProfileError(`${file}: ${where}.name must be a non-empty string`);
  return { name: c.name, share, upload: rate('upload'), download: rate('download'), latencyMs, joinMs: join as number | [number, number] };
}

function asObject(raw: unknown, file: string, what: string): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ProfileError(`${file}: ${what} must be a JSON object`);
  return raw as Record<string, unknown>;
}

/**
 * Deals the classes out to `peers - 1` leechers in proportion to their
 * shares (largest remainder). The deal is the same for every run, so a peer
 * id keeps its class across runs (per-peer charts compare like with like);
 * join times are drawn from `seed`, so both variants of a run pair get the
 * very same swarm and different pairs sample different arrival orders.
 */
export function shapePeers(profile: BandwidthProfile, peers: number, seed: number): PeerShape[] {
  const dealer = new SeededRandom(0x5eed);
  const rng = new SeededRandom(seed);
  const leechers = peers - 1;
  const total = profile.classes.reduce((s, c) => s + c.share, 0);
  const exact = profile.classes.map((c) => (c.share / total) * leechers);
  const counts = exact.map(Math.floor);
  const byRemainder = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0]);
  for (let k = 0; counts.reduce((s, n) => s + n, 0) < leechers; k++) counts[byRemainder[k % byRemainder.length]![1]]!++;
  const dealt: ClassSpec[] = dealer.shuffle(profile.classes.flatMap((c, i) => Array<ClassSpec>(counts[i]!).fill(c)));
  return [shapeOf(profile.seeder, rng, true), ...dealt.map((c) => shapeOf(c, rng, false))];
}

function shapeOf(c: ClassSpec, rng: Random, seeder: boolean): PeerShape {
  const joinMs = seeder ? 0 : typeof c.joinMs === 'number' ? c.joinMs : Math.round(c.joinMs[0] + rng.next() * (c.joinMs[1] - c.joinMs[0]));
  return { className: c.name, upload: c.upload, download: c.download, latencyMs: c.latencyMs, joinMs };
}
