/**
 * The data directory (DATA_DIR): SQLite's database and the uploaded files live there, so it must exist
 * and be writable before anything opens it. Missing directories are created one level at a time:
 * Node's `mkdirSync(dir, { recursive: true })` loops for ever on some paths (`/proc/parley` answers
 * ENOENT under a parent that exists), which hung the server at 100% CPU.
 */
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { StartupError } from '../startup-error.ts';

/** Creates `dir` when missing and checks that files can be written in it; answers its absolute path. */
export function prepareDataDir(dir: string): string {
  const abs = resolve(dir);
  try {
    const missing: string[] = [];
    for (let d = abs; !existsSync(d) && dirname(d) !== d; d = dirname(d)) missing.unshift(d);
    for (const d of missing) mkdirSync(d);
    if (!statSync(abs).isDirectory()) throw new StartupError('data directory', abs, 'exists and is not a directory');
    const probe = join(abs, `.parley-write-check-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (err) {
    throw err instanceof StartupError ? err : new StartupError('data directory', abs, err);
  }
  return abs;
}
