/**
 * Starts a worker thread on a script of the server's: beside the calling module when running from the
 * sources, loaded through tsx (which a worker does not inherit from its parent on Node 20: it
 * registers it first), or the build's entry of the same name (scripts/build.js) when the caller is a
 * chunk of the build, in dist/server/ or a folder below it.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * @param caller the calling module's `import.meta.url`
 * @param script the script's name without extension, beside the caller's source (`outbox-thread.worker`)
 * @example startThread(import.meta.url, 'outbox-thread.worker', { nodeId })
 */
export function startThread(caller: string, script: string, workerData: unknown): Worker {
  const here = new URL(caller);
  if (here.pathname.endsWith('.ts')) {
    // tsx/esm/api's ESM file (its `import` export), beside the CommonJS one `require` resolves to: a
    // data: module imports by absolute URL only.
    const tsx = pathToFileURL(createRequire(here).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
    const source = new URL(`./${script}.ts`, here).href;
    const loader = `import { register } from ${JSON.stringify(tsx)}; register(); await import(${JSON.stringify(source)});`;
    return new Worker(new URL(`data:text/javascript,${encodeURIComponent(loader)}`), { workerData });
  }
  for (const up of ['./', '../']) {
    const url = new URL(`${up}${script}.js`, here);
    if (existsSync(fileURLToPath(url))) return new Worker(url, { workerData });
  }
  throw new Error(`no ${script}.js beside or above ${fileURLToPath(here)}: run npm run build`);
}
