import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { contentOf, FILE_NAME, LEECHER, storeContext } from '../../helpers/store-context';
import file from '../../../plugins/storage/file';

const PIECE_SIZE = 64 * 1024;
const FILE_SIZE = 64 * PIECE_SIZE; // 4 MiB

/** Whether this folder's file system reserves blocks for fallocate(2) (ext4, xfs, tmpfs do). */
function canReserve(dir: string): boolean {
  const probe = path.join(dir, 'probe');
  try {
    execFileSync('fallocate', ['--length', '65536', probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    fs.rmSync(probe, { force: true });
  }
}

const allocatedBytes = (f: string): number => fs.statSync(f).blocks * 512;

describe('file store: blocks of a new .part file reserved up front', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmlab-prealloc-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Downloads the whole file through a leecher's file store; returns the bytes allocated to the .part file when it was opened. */
  async function downloadAll(): Promise<number> {
    const store = file.create(storeContext(dir, LEECHER, FILE_SIZE, PIECE_SIZE));
    await store.open();
    const part = path.join(dir, `peer_${LEECHER}`, `${FILE_NAME}.part`);
    const blocksAtOpen = allocatedBytes(part);
    const content = contentOf(FILE_SIZE);
    for (let i = FILE_SIZE / PIECE_SIZE - 1; i >= 0; i--) await store.write(i, content.subarray(i * PIECE_SIZE, (i + 1) * PIECE_SIZE));
    await store.complete();
    await store.close();
    expect(fs.readFileSync(path.join(dir, `peer_${LEECHER}`, FILE_NAME)).equals(content)).to.equal(true);
    return blocksAtOpen;
  }

  it('reserves the whole file at open where the file system can, and the download is byte-exact', async () => {
    const reserved = await downloadAll();
    if (canReserve(dir)) expect(reserved, 'bytes allocated at open').to.be.at.least(FILE_SIZE);
    else expect(reserved, 'no reservation possible here: a sparse file').to.be.below(FILE_SIZE);
  });

  it('without the fallocate command the file stays sparse and the download works as before', async () => {
    const savedPath = process.env.PATH;
    process.env.PATH = dir; // an empty folder: no fallocate to run
    try {
      const reserved = await downloadAll();
      expect(reserved, 'bytes allocated at open').to.be.below(FILE_SIZE);
    } finally {
      process.env.PATH = savedPath;
    }
  });
});
