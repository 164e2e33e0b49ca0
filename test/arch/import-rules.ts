import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

/** One import that breaks a layering rule. */
export interface Violation {
  readonly file: string;
  readonly imports: string;
  readonly rule: string;
}

interface Rule {
  readonly name: string;
  /** Files the rule applies to (paths relative to the package root, with '/'). */
  readonly from: RegExp;
  /** Import targets it forbids: resolved package-relative paths, or bare module names. */
  readonly forbidden: RegExp;
}

/**
 * The direction of imports (docs/architecture.md): core knows no plugin and
 * no app; a plugin knows neither sockets nor wire bytes, so the same plugin
 * runs on TCP and in the simulator.
 */
export const RULES: readonly Rule[] = [
  { name: 'core imports no plugin', from: /^core\//, forbidden: /^plugins\// },
  { name: 'core imports no app code', from: /^core\//, forbidden: /^app\// },
  { name: 'a plugin does not touch the transport', from: /^plugins\//, forbidden: /^core\/transport\/|^core\/sim\/sim-network|^(node:)?(net|dgram|tls|http|https)$/ },
  { name: 'a plugin does not touch the wire codec', from: /^plugins\//, forbidden: /^core\/protocol\/(codec|frame-reader|handshake)$/ },
];

/** Every module a source file imports (static, dynamic, require, export-from), as written. */
export function importsOf(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName);
}

/**
 * Checks a set of files (package-relative path -> source text) against the
 * rules. Relative imports are resolved against the importing file; the
 * extension is dropped so `../x` and `../x.ts` name the same module.
 */
export function checkImports(files: ReadonlyMap<string, string>, rules: readonly Rule[] = RULES): Violation[] {
  const violations: Violation[] = [];
  for (const [file, source] of files) {
    const applicable = rules.filter((r) => r.from.test(file));
    if (applicable.length === 0) continue;
    for (const spec of importsOf(source)) {
      const target = spec.startsWith('.') ? path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)).replace(/\.(ts|js)$/, '') : spec;
      for (const rule of applicable) if (rule.forbidden.test(target)) violations.push({ file, imports: spec, rule: rule.name });
    }
  }
  return violations;
}

/** The TypeScript sources under `dirs` of the package at `root`, keyed by package-relative path. */
export function readTree(root: string, dirs: readonly string[]): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (rel: string): void => {
    for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else if (/\.ts$/.test(entry.name) && !entry.name.endsWith('.d.ts')) files.set(child, fs.readFileSync(path.join(root, child), 'utf8'));
    }
  };
  for (const d of dirs) walk(d);
  return files;
}
