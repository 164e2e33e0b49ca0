import { InvalidArgumentError } from 'commander';
import { parseSize } from '../core/util/size';

/** Commander argument parsers shared by the commands: each names the flag in its error. */
export function wholeNumber(name: string, min: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min) throw new InvalidArgumentError(`${name} must be a whole number >= ${min}, got "${value}"`);
    return Number(value);
  };
}

export function positiveNumber(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d*\.?\d+$/.test(value) || !(n > 0)) throw new InvalidArgumentError(`${name} must be a number > 0, got "${value}"`);
    return n;
  };
}

/** A fraction in (0, 1]: a decimal such as 0.25, or a ratio such as 1/200. */
export function fraction(name: string) {
  return (value: string): number => {
    const ratio = /^(\d+)\/(\d+)$/.exec(value);
    const n = ratio ? Number(ratio[1]) / Number(ratio[2]) : /^\d*\.?\d+$/.test(value) ? Number(value) : NaN;
    if (!(n > 0 && n <= 1)) throw new InvalidArgumentError(`${name} must be a fraction in (0, 1] such as 0.25 or 1/200, got "${value}"`);
    return n;
  };
}

/** A byte size or rate such as 64MiB, 512KiB or 2MiB/s. */
export function sizeOption(name: string) {
  return (value: string): number => {
    try {
      const n = parseSize(value);
      if (n <= 0) throw new RangeError('must be positive');
      return n;
    } catch (err) {
      throw new InvalidArgumentError(`${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
}

/** A TCP port, 1..65535. */
export function portNumber(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 65535) throw new InvalidArgumentError(`${name} must be a port number 1..65535, got "${value}"`);
    return Number(value);
  };
}
