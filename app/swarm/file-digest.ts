import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Writes `size` random bytes to `file` (1 MiB at a time). */
export async function createRandomFile(file: string, size: number): Promise<void> {
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  const handle = await fs.promises.open(file, 'w');
  try {
    for (let written = 0; written < size; ) {
      const n = Math.min(1 << 20, size - written);
      await handle.write(randomBytes(n), 0, n, written);
      written += n;
    }
  } finally {
    await handle.close();
  }
}
