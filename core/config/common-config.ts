import { ConfigError } from './config-error';
import { stripComment } from './lines';
import { parseByteCount, parseSize } from '../util/size';

export interface CommonConfig {
  readonly numberOfPreferredNeighbors: number;
  /** Seconds. */
  readonly unchokingInterval: number;
  /** Seconds. */
  readonly optimisticUnchokingInterval: number;
  readonly fileName: string;
  readonly fileSize: number;
  readonly pieceSize: number;
  /** Optional `Plugin.<kind> <name>` lines: plugin choices made in the config dir. */
  readonly plugins: Readonly<Record<string, string>>;
}

type NumericKey = 'NumberOfPreferredNeighbors' | 'UnchokingInterval' | 'OptimisticUnchokingInterval' | 'FileSize' | 'PieceSize';
const NUMERIC_KEYS: Record<NumericKey, { min: number; integer: boolean }> = {
  NumberOfPreferredNeighbors: { min: 1, integer: true },
  UnchokingInterval: { min: Number.MIN_VALUE, integer: false },
  OptimisticUnchokingInterval: { min: Number.MIN_VALUE, integer: false },
  FileSize: { min: 1, integer: true },
  PieceSize: { min: 1, integer: true },
};
const REQUIRED = ['NumberOfPreferredNeighbors', 'UnchokingInterval', 'OptimisticUnchokingInterval', 'FileName', 'FileSize', 'PieceSize'];
const PLUGIN_PREFIX = 'Plugin.';
/** Sizes may carry a unit (`20MiB`, `16KiB`, `1.5MB`): KiB = 1024, KB = 1000. */
const SIZE_KEYS = new Set(['FileSize', 'PieceSize']);

/**
 * Parses common.cfg: one `Key value` per line, `#` comments. Intervals may be
 * fractional seconds (useful in tests); FileSize and PieceSize are whole byte
 * counts, with an optional unit (`20MiB`); the rest are positive integers.
 */
export function parseCommonConfig(text: string, file: string): CommonConfig {
  const values = new Map<string, string>();
  const plugins: Record<string, string> = {};
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = stripComment(raw);
    if (line === '') return;
    const lineNo = i + 1;
    const fields = line.split(/\s+/);
    const key = fields[0]!;
    if (fields.length !== 2) throw new ConfigError(file, lineNo, `expected "Key value", got ${JSON.stringify(line)}`);
    const value = fields[1]!;
    if (key.startsWith(PLUGIN_PREFIX) && key.length > PLUGIN_PREFIX.length) {
      if (key.slice(PLUGIN_PREFIX.length) in plugins) throw new ConfigError(file, lineNo, `duplicate key "${key}"`);
      plugins[key.slice(PLUGIN_PREFIX.length)] = value;
      return;
    }
    if (!REQUIRED.includes(key)) throw new ConfigError(file, lineNo, `unknown key "${key}" (known: ${REQUIRED.join(', ')}, Plugin.<kind>)`);
    if (values.has(key)) throw new ConfigError(file, lineNo, `duplicate key "${key}"`);
    if (SIZE_KEYS.has(key)) {
      let n: number;
      try {
        n = parseSize(value);
      } catch {
        throw new ConfigError(file, lineNo, `${key} "${value}" is not a number of bytes (examples: 20971520, 20MiB, 16KiB)`);
      }
      try {
        n = parseByteCount(value);
      } catch {
        throw new ConfigError(file, lineNo, `${key} "${value}" must be a whole number of bytes`);
      }
      if (n < 1) throw new ConfigError(file, lineNo, `${key} must be > 0, got ${value}`);
      values.set(key, String(n));
      return;
    }
    if (key in NUMERIC_KEYS) {
      const rule = NUMERIC_KEYS[key as NumericKey];
      const n = Number(value);
      if (!/^[0-9]*\.?[0-9]+$/.test(value) || !Number.isFinite(n)) throw new ConfigError(file, lineNo, `${key} "${value}" is not a number`);
      if (rule.integer && !Number.isSafeInteger(n)) throw new ConfigError(file, lineNo, `${key} "${value}" must be a whole number`);
      if (n < rule.min) throw new ConfigError(file, lineNo, `${key} must be > 0, got ${value}`);
    }
    values.set(key, value);
  });
  for (const key of REQUIRED) {
    if (!values.has(key)) throw new ConfigError(file, key, `missing key "${key}"`);
  }
  return {
    numberOfPreferredNeighbors: Number(values.get('NumberOfPreferredNeighbors')),
    unchokingInterval: Number(values.get('UnchokingInterval')),
    optimisticUnchokingInterval: Number(values.get('OptimisticUnchokingInterval')),
    fileName: values.get('FileName')!,
    fileSize: Number(values.get('FileSize')),
    pieceSize: Number(values.get('PieceSize')),
    plugins,
  };
}
