/**
 * Uploaded files on disk under DATA_DIR/files. Names are generated (random hex), never derived from the
 * upload, so no request can choose or escape the path. A size limit cuts the stream and removes the file.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, type ReadStream } from 'node:fs';
import { open, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const KEY_PATTERN = /^[a-f0-9]{32}$/;

export class FileTooLargeError extends Error {}

export class FileStore {
  private readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'files');
    mkdirSync(this.dir, { recursive: true });
  }

  static isKey(key: string): boolean {
    return KEY_PATTERN.test(key);
  }

  /**
   * Streams `source` to a new file and returns its key and size. `truncated()` tells whether the source
   * stopped at the size limit (multipart's own limit), in which case the file is removed.
   */
  async save(source: Readable, truncated: () => boolean): Promise<{ key: string; size: number }> {
    const key = randomBytes(16).toString('hex');
    const path = join(this.dir, key);
    try {
      await pipeline(source, createWriteStream(path, { flags: 'wx' }));
      if (truncated()) throw new FileTooLargeError('file too large');
      // On disk before the message row commits: a 201 must never point at a file a power cut loses.
      const handle = await open(path, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      return { key, size: (await stat(path)).size };
    } catch (err) {
      await rm(path, { force: true });
      throw err;
    }
  }

  /** A stream of a stored file, or undefined when the key is malformed or the file is gone. */
  async open(key: string): Promise<{ stream: ReadStream; size: number } | undefined> {
    if (!FileStore.isKey(key)) return undefined;
    const path = join(this.dir, key);
    try {
      const { size } = await stat(path);
      return { stream: createReadStream(path), size };
    } catch {
      return undefined;
    }
  }

  /**
   * Removes files no message refers to: uploads cut off by a crash between the write and the commit.
   * Only files older than `minAgeMs` go, so uploads still in flight (on any node sharing the volume) stay.
   */
  async sweepOrphans(isReferenced: (key: string) => Promise<boolean>, minAgeMs: number): Promise<number> {
    let removed = 0;
    const cutoff = Date.now() - minAgeMs;
    for (const name of await readdir(this.dir)) {
      const path = join(this.dir, name);
      const info = await stat(path).catch(() => undefined);
      if (!info?.isFile() || info.mtimeMs > cutoff) continue;
      if (FileStore.isKey(name) && (await isReferenced(name))) continue;
      await rm(path, { force: true });
      removed++;
    }
    return removed;
  }

  async remove(keys: readonly string[]): Promise<void> {
    await Promise.all(keys.filter(FileStore.isKey).map((k) => rm(join(this.dir, k), { force: true })));
  }
}
