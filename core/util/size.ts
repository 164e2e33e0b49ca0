const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1000,
  kb: 1000,
  kib: 1024,
  m: 1000 ** 2,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  g: 1000 ** 3,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
};

/**
 * Parses a byte size or rate: `65536`, `64KiB`, `1.5MB`, `2MiB/s` (KB = 1000,
 * KiB = 1024; a trailing `/s` is allowed for rates). Throws a RangeError that
 * quotes the input when it is not one.
 */
export function parseSize(text: string): number {
  return Math.round(sizeValue(text));
}

/**
 * A size that must come to a whole number of bytes, as in a config file:
 * `20971520`, `20MiB`, `1.5KiB` (1536). `1.5KB` is 1500; `0.3KiB` (307.2) is refused.
 */
export function parseByteCount(text: string): number {
  const n = sizeValue(text);
  if (!Number.isSafeInteger(n)) throw new RangeError(`"${text}" is not a whole number of bytes`);
  return n;
}

function sizeValue(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*(?:\/s)?\s*$/i.exec(text);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new RangeError(`"${text}" is not a size (examples: 65536, 64KiB, 1.5MB, 2MiB/s)`);
  return Number(m[1]) * unit;
}

/** 1536 -> "1.5 KiB". */
export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes);
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let i = 0;
  while (Math.abs(value) >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  return `${Number(value.toFixed(value < 10 && i > 0 ? 2 : 1))} ${units[i]}`;
}
