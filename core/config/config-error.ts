/** A bad configuration: the message names the file and line (or key) to fix. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly file: string, readonly where: string | number | undefined, detail: string) {
    super(`${file}${where === undefined ? '' : `:${where}`}: ${detail}`);
  }
}
