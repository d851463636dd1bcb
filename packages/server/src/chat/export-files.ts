/**
 * Export files on disk under DATA_DIR/exports, named by their job's generated id (never by input).
 * A job writes `{id}.part` line by line, waiting whenever the disk is slower than the reads (so the
 * process never buffers more than the stream's high-water mark), then syncs it and renames it to
 * `{id}.ndjson`: a finished file is complete, and a crash leaves only a `.part` the sweep removes.
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdirSync, type ReadStream, type WriteStream } from 'node:fs';
import { open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

const ID_PATTERN = /^[a-f0-9]{32}$/;
const FINISHED = '.ndjson';
const PARTIAL = '.part';

/** One file being written: `line()` resolves once the line is accepted (after a drain when needed). */
export interface ExportWriter {
  line(text: string): Promise<void>;
  /** Flushes, syncs and publishes the file under its final name. */
  finish(): Promise<void>;
  /** Removes what was written. */
  discard(): Promise<void>;
}

export class ExportFiles {
  private readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'exports');
    mkdirSync(this.dir, { recursive: true });
  }

  static isId(id: string): boolean {
    return ID_PATTERN.test(id);
  }

  /** Starts (or starts over) the file of job `id`. */
  create(id: string): ExportWriter {
    if (!ExportFiles.isId(id)) throw new Error(`not an export id: ${id}`);
    const partial = join(this.dir, id + PARTIAL);
    const finished = join(this.dir, id + FINISHED);
    const out: WriteStream = createWriteStream(partial, { flags: 'w' });
    let failure: Error | undefined;
    out.on('error', (err) => (failure = err));
    let ending: Promise<void> | undefined;
    const closed = (): Promise<void> => (ending ??= new Promise((resolve) => out.end(() => resolve())));
    return {
      async line(text) {
        if (failure) throw failure;
        if (!out.write(text + '\n')) await Promise.race([once(out, 'drain'), once(out, 'error')]);
        if (failure) throw failure;
      },
      async finish() {
        await closed();
        if (failure) throw failure;
        const handle = await open(partial, 'r+');
        try {
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(partial, finished);
      },
      discard: async () => {
        await closed().catch(() => undefined);
        await rm(partial, { force: true });
      },
    };
  }

  /** A stream of the finished file of job `id`, or undefined when there is none. */
  async open(id: string): Promise<{ stream: ReadStream; size: number } | undefined> {
    if (!ExportFiles.isId(id)) return undefined;
    const path = join(this.dir, id + FINISHED);
    try {
      const { size } = await stat(path);
      return { stream: createReadStream(path), size };
    } catch {
      return undefined;
    }
  }

  /** Removes the files (finished or partial) of the jobs `keep` does not want; answers how many. */
  async sweep(keep: (id: string, finished: boolean) => Promise<boolean>): Promise<number> {
    let removed = 0;
    for (const name of await readdir(this.dir)) {
      const finished = name.endsWith(FINISHED);
      const id = name.slice(0, name.length - (finished ? FINISHED.length : PARTIAL.length));
      if ((finished || name.endsWith(PARTIAL)) && ExportFiles.isId(id) && (await keep(id, finished))) continue;
      await rm(join(this.dir, name), { force: true });
      removed++;
    }
    return removed;
  }
}
