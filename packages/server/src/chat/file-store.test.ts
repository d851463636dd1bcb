import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { FileStore } from './file-store.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'parley-files-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('FileStore', () => {
  it('sweeps only old files that no message refers to', async () => {
    const store = new FileStore(dataDir);
    const save = async () => (await store.save(Readable.from([Buffer.from('data')]), () => false)).key;
    const referenced = await save();
    const orphanOld = await save();
    const orphanYoung = await save();
    const stray = join(dataDir, 'files', 'not-a-key.tmp');
    writeFileSync(stray, 'x');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    for (const path of [referenced, orphanOld].map((k) => join(dataDir, 'files', k)).concat(stray)) utimesSync(path, twoHoursAgo, twoHoursAgo);

    const removed = await store.sweepOrphans(async (key) => key === referenced, 3600_000);
    expect(removed).toBe(2);
    expect(existsSync(join(dataDir, 'files', referenced))).toBe(true);
    expect(existsSync(join(dataDir, 'files', orphanYoung))).toBe(true);
    expect(existsSync(join(dataDir, 'files', orphanOld))).toBe(false);
    expect(existsSync(stray)).toBe(false);
  });
});
