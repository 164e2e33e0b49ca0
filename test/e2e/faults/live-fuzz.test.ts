import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../../../core/paths';

describe('npm run fuzz (a short run)', function () {
  this.timeout(90000);

  it('a live peer fed 20,000 hostile frames does not crash, stays bounded, and serves the right bytes', () => {
    const r = spawnSync(process.execPath, [path.join(PACKAGE_ROOT, 'dist', 'bench', 'fuzz-peer.js'), '--frames', '20000', '--seed', '7'], { encoding: 'utf8', timeout: 80000 });
    const out = r.stdout;
    expect(r.status, `fuzz exit code; stdout:\n${out}\nstderr:\n${r.stderr}`).to.equal(0);
    const figure = (label: string): string => {
      const line = out.split('\n').find((l) => l.startsWith(label));
      expect(line, `line "${label}" in:\n${out}`).to.not.equal(undefined);
      return line!.slice(label.length).trim();
    };
    expect(Number(/^\d+/.exec(figure('frames sent'))![0])).to.be.at.least(20000);
    // every kind of hostile frame was sent
    for (const kind of ['valid', 'flood', 'field-off', 'length-off', 'huge-length', 'truncated', 'garbage']) expect(figure('frames sent')).to.match(new RegExp(`${kind} [1-9]`));
    expect(Number(/^\d+/.exec(figure('connections'))![0])).to.be.above(50);
    expect(figure('crashes')).to.equal('0');
    expect(figure('internal errors')).to.equal('0');
    expect(figure('well-behaved check')).to.match(/^(\d+) of \1 pieces held served, 0 wrong or missing$/);
    expect(figure('result')).to.equal('OK');
  });
});
