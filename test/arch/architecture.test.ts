import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../../core/paths';
import { checkImports, importsOf, readTree } from './import-rules';

describe('architecture: the direction of imports', () => {
  it('parses every kind of import: static, type-only, export-from, dynamic, require', () => {
    const source = [
      "import { a } from './a';",
      "import type { B } from '../b';",
      "export * from './c';",
      "const d = import('./d');",
      "const e = require('node:net');",
    ].join('\n');
    expect(importsOf(source)).to.have.members(['./a', '../b', './c', './d', 'node:net']);
  });

  it('catches each broken rule in a synthetic tree (so the check below can fail)', () => {
    const files = new Map([
      ['core/engine/bad.ts', "import random from '../../plugins/strategy/random';\nimport { x } from '../../app/peer';"],
      ['core/engine/good.ts', "import { Bitfield } from '../bitfield';"],
      ['plugins/choke/sneaky.ts', "import { TcpLink } from '../../core/transport/tcp-link';\nimport { encodeMessage } from '../../core/protocol/codec.js';\nconst net = require('node:net');"],
      ['plugins/choke/fine.ts', "import { ChokePolicy } from '../../core/plugin/contracts';\nimport { Random } from '../../core/util/random';"],
      ['app/peer.ts', "import random from '../plugins/strategy/random';"],
    ]);
    expect(checkImports(files).map((v) => `${v.file}: ${v.imports} (${v.rule})`)).to.deep.equal([
      'core/engine/bad.ts: ../../plugins/strategy/random (core imports no plugin)',
      'core/engine/bad.ts: ../../app/peer (core imports no app code)',
      'plugins/choke/sneaky.ts: ../../core/transport/tcp-link (a plugin does not touch the transport)',
      'plugins/choke/sneaky.ts: ../../core/protocol/codec.js (a plugin does not touch the wire codec)',
      'plugins/choke/sneaky.ts: node:net (a plugin does not touch the transport)',
    ]);
  });

  it('holds for the real tree: core imports no plugin or app, no plugin imports the transport or the wire codec', () => {
    const files = readTree(PACKAGE_ROOT, ['core', 'plugins', 'app']);
    expect(files.size).to.be.greaterThan(50);
    expect(checkImports(files)).to.deep.equal([]);
  });

  it('keeps every file under core/engine at 250 lines or fewer', () => {
    const dir = path.join(PACKAGE_ROOT, 'core', 'engine');
    const long = fs
      .readdirSync(dir)
      .map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8').split('\n').length - 1] as const)
      .filter(([, lines]) => lines > 250);
    expect(long).to.deep.equal([]);
  });
});

describe('architecture: docs/architecture.md matches the tree', () => {
  const doc = fs.readFileSync(path.join(PACKAGE_ROOT, 'docs', 'architecture.md'), 'utf8');

  it('names every source folder', () => {
    const folders: string[] = [];
    const walk = (rel: string): void => {
      folders.push(`${rel}/`);
      for (const e of fs.readdirSync(path.join(PACKAGE_ROOT, rel), { withFileTypes: true })) if (e.isDirectory()) walk(`${rel}/${e.name}`);
    };
    for (const top of ['core', 'plugins', 'app']) walk(top);
    expect(folders.filter((f) => !doc.includes(`\`${f}`))).to.deep.equal([]);
  });

  it('names only paths that exist', () => {
    const named = [...doc.matchAll(/`((?:core|plugins|app|test|examples|docs)\/[\w./-]*)`/g)].map((m) => m[1]!);
    expect(named.length).to.be.greaterThan(20);
    expect(named.filter((p) => !fs.existsSync(path.join(PACKAGE_ROOT, p)))).to.deep.equal([]);
  });
});
