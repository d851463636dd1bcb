// @ts-check
/**
 * `npm run build`: the production build into dist/, run by plain `node` (scripts/start.js).
 *
 *   dist/server/main.js, cli.js   the server and the CLI, one ESM file each with a source map. Every
 *                                 dependency is bundled in except the few that need their own files
 *                                 on disk at run time (EXTERNAL); those stay in node_modules.
 *   dist/bundles/                 the SDK, the demo page's script and the operator console's script and
 *                                 style sheet, minified, with .gz and .br copies
 *   dist/public/                  the demo page's static files, with .gz and .br copies
 *   dist/admin-public/            the operator console's page, with .gz and .br copies
 *   dist/build-info.json          what was built from what: a digest of every input, so that
 *                                 `npm start` can tell whether dist/ is older than the sources
 *
 * Plain JavaScript (checked by tsc through JSDoc), because it must run before anything is compiled.
 * Written to a temporary directory and swapped in at the end, so a server never sees half a build.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const DIST = join(ROOT, 'dist');
const INFO_FILE = 'build-info.json';
const BUILD_VERSION = 1;

/** Packages that read their own files at run time (native addons, static assets) or are optional. */
const EXTERNAL = ['better-sqlite3', '@fastify/swagger-ui', 'pg-native', 'bufferutil', 'utf-8-validate'];

// The chat webhook thread's script is an entry of its own: a Worker loads it by file (thread-script.ts).
const SERVER_ENTRIES = { main: 'packages/server/src/main.ts', cli: 'packages/server/src/cli.ts', 'outbox-thread.worker': 'packages/server/src/chat/outbox-thread.worker.ts' };
/** Bundle name → entry; a `.css` entry becomes `{name}.min.css`, the others `{name}.min.js`. */
const BROWSER_ENTRIES = {
  sdk: 'packages/sdk/src/bundle.ts',
  web: 'packages/web/app/main.ts',
  admin: 'packages/admin/app/main.tsx',
  'admin-css': 'packages/admin/app/style.css',
};
const PUBLIC_DIR = 'packages/web/public';
const ADMIN_PUBLIC_DIR = 'packages/admin/public';
/** Inputs besides the sources esbuild reads: the build itself and what decides the dependency tree. */
const FIXED_INPUTS = [
  'scripts/build.js',
  'package.json',
  'package-lock.json',
  'packages/protocol/package.json',
  'packages/server/package.json',
  'packages/sdk/package.json',
  'packages/web/package.json',
  'packages/admin/package.json',
  // Its JSX settings decide how esbuild compiles the console.
  'packages/admin/tsconfig.json',
  // Likewise for the demo page.
  'packages/web/tsconfig.json',
];

/**
 * @typedef {object} BuildInfo
 * @property {number} version
 * @property {string} digest     sha256 over every input's path and content
 * @property {string[]} inputs   workspace files the build read (node_modules left out: the lock file stands for them)
 * @property {string} sdkVersion
 * @property {Record<string, string>} bundles  bundle name (`sdk`, `web`, `admin`, `admin-css`) → file under dist/bundles
 * @property {string} builtAt
 */

/** @param {readonly string[]} inputs */
function digestOf(inputs) {
  const hash = createHash('sha256');
  for (const file of [...inputs].sort()) {
    hash.update(file).update('\0');
    hash.update(existsSync(join(ROOT, file)) ? readFileSync(join(ROOT, file)) : 'missing').update('\0');
  }
  return hash.digest('hex');
}

/** @param {string} dir a directory under ROOT; its files, relative to ROOT */
function filesUnder(dir) {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

/** @returns {BuildInfo | undefined} */
export function readBuildInfo(dist = DIST) {
  try {
    const info = /** @type {BuildInfo} */ (JSON.parse(readFileSync(join(dist, INFO_FILE), 'utf8')));
    return info.version === BUILD_VERSION ? info : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether dist/ holds a build of the sources as they are now.
 * @returns {'fresh' | 'stale' | 'missing'}
 */
export function buildState() {
  const info = readBuildInfo();
  if (!info) return 'missing';
  // A file added to the demo page's public directory is an input no build has seen yet.
  const inputs = [...new Set([...info.inputs, ...filesUnder(PUBLIC_DIR), ...filesUnder(ADMIN_PUBLIC_DIR)])];
  return digestOf(inputs) === info.digest ? 'fresh' : 'stale';
}

/** @param {string} dir */
function precompress(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isFile() || /\.(gz|br|map)$/.test(entry.name)) continue;
    const file = join(dir, entry.name);
    const body = readFileSync(file);
    writeFileSync(`${file}.gz`, gzipSync(body, { level: 9 }));
    writeFileSync(`${file}.br`, brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } }));
  }
}

/** @param {import('esbuild').Metafile} metafile */
function workspaceInputs(metafile) {
  return Object.keys(metafile.inputs).filter((file) => !file.split('/').includes('node_modules'));
}

/** Builds into dist/ and returns what was built. */
export async function build() {
  // esbuild is a build tool (a devDependency): loaded only here, never by the running server.
  const esbuild = await import('esbuild');
  const tmp = `${DIST}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(join(tmp, 'bundles'), { recursive: true });
  try {
    const server = await esbuild.build({
      absWorkingDir: ROOT,
      entryPoints: SERVER_ENTRIES,
      outdir: join(tmp, 'server'),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      splitting: true,
      chunkNames: 'chunks/[name]-[hash]',
      sourcemap: true,
      // Source paths in stack traces relative to the map, so they point at packages/… after a move.
      sourceRoot: '',
      sourcesContent: false,
      external: EXTERNAL,
      define: { PARLEY_PREBUILT: 'true' },
      // Bundled CommonJS packages call require() and read __filename/__dirname; ESM has neither.
      banner: {
        js: [
          "import { createRequire as __parleyCreateRequire } from 'node:module';",
          "import { fileURLToPath as __parleyFileURLToPath } from 'node:url';",
          'const require = __parleyCreateRequire(import.meta.url);',
          'const __filename = __parleyFileURLToPath(import.meta.url);',
          "const __dirname = __parleyFileURLToPath(new URL('.', import.meta.url));",
        ].join('\n'),
      },
      metafile: true,
      logLevel: 'warning',
      legalComments: 'linked',
    });

    /** @type {Record<string, string>} */
    const bundles = {};
    const browserInputs = [];
    for (const [name, entry] of Object.entries(BROWSER_ENTRIES)) {
      const file = entry.endsWith('.css') ? `${name.replace(/-css$/, '')}.min.css` : `${name}.min.js`;
      const result = await esbuild.build({
        absWorkingDir: ROOT,
        entryPoints: [entry],
        outfile: join(tmp, 'bundles', file),
        bundle: true,
        format: 'iife',
        platform: 'browser',
        target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
        minify: true,
        legalComments: 'none',
        metafile: true,
        logLevel: 'warning',
      });
      bundles[name] = file;
      browserInputs.push(...workspaceInputs(result.metafile));
    }
    precompress(join(tmp, 'bundles'));

    cpSync(join(ROOT, PUBLIC_DIR), join(tmp, 'public'), { recursive: true });
    precompress(join(tmp, 'public'));
    cpSync(join(ROOT, ADMIN_PUBLIC_DIR), join(tmp, 'admin-public'), { recursive: true });
    precompress(join(tmp, 'admin-public'));

    const sdkVersion = /** @type {{ version: string }} */ (JSON.parse(readFileSync(join(ROOT, 'packages/sdk/package.json'), 'utf8'))).version;
    const inputs = [...new Set([...FIXED_INPUTS, ...workspaceInputs(server.metafile), ...browserInputs, ...filesUnder(PUBLIC_DIR), ...filesUnder(ADMIN_PUBLIC_DIR)])].sort();
    /** @type {BuildInfo} */
    const info = { version: BUILD_VERSION, digest: digestOf(inputs), inputs, sdkVersion, bundles, builtAt: new Date().toISOString() };
    writeFileSync(join(tmp, INFO_FILE), `${JSON.stringify(info, null, 2)}\n`);

    // Swap: the old build moves aside first (rename cannot replace a non-empty directory).
    const old = `${DIST}.old-${process.pid}`;
    if (existsSync(DIST)) renameSync(DIST, old);
    renameSync(tmp, DIST);
    rmSync(old, { recursive: true, force: true });
    return info;
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  } finally {
    await esbuild.stop();
  }
}

/** @param {number} pid */
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return /** @type {NodeJS.ErrnoException} */ (err).code === 'EPERM';
  }
}

/**
 * Runs `task` holding dist.lock (a directory: mkdir is atomic) with the holder's pid inside; waits
 * while another live build holds it and takes over the lock of one that died.
 * @param {() => Promise<void>} task
 */
async function withLock(task) {
  const lock = `${DIST}.lock`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if (/** @type {NodeJS.ErrnoException} */ (err).code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(join(lock, 'pid'), { encoding: 'utf8', flag: 'a+' }));
      if (holder > 0 && !alive(holder)) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`${lock} is held by process ${holder} for more than 2 minutes`);
      else await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    await task();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Whether the build tools are installed (they are not after `npm prune --omit=dev`). */
function canBuild() {
  try {
    createRequire(import.meta.url).resolve('esbuild');
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes sure dist/ holds a build of the sources as they are (scripts/start.js, scripts/parley.js): builds
 * in a child process when it does not, so the caller never loads esbuild. Without the build tools an
 * existing build is used as it is (a pruned production install); with no build at all it throws.
 * @param {(line: string) => void} warn
 */
export function ensureBuild(warn) {
  const state = buildState();
  if (state === 'fresh') return;
  if (!canBuild()) {
    if (state === 'missing') throw new Error('dist/ holds no build and the build tools are not installed: run `npm install && npm run build`');
    warn('parley: warning: the sources changed since dist/ was built, and the build tools are not installed (npm prune --omit=dev?); running the existing build');
    return;
  }
  const result = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--if-needed'], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new Error(`the build failed (exit ${result.status ?? result.signal})`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // `--if-needed` (scripts/start.js): several servers starting at once build once, the others wait.
  const ifNeeded = process.argv.includes('--if-needed');
  await withLock(async () => {
    const state = buildState();
    if (ifNeeded && state === 'fresh') return;
    if (ifNeeded) process.stdout.write(state === 'missing' ? 'parley: no production build in dist/ yet, building it\n' : 'parley: the sources changed since the last build, rebuilding dist/\n');
    const started = Date.now();
    const info = await build();
    process.stdout.write(`parley: built dist/ in ${Date.now() - started} ms (${info.inputs.length} inputs, SDK ${info.sdkVersion})\n`);
  });
}
