/**
 * The browser files Parley serves — the SDK bundle, the demo page's script and the page's static files,
 * the operator console's script, style sheet and page —
 * from one of two places:
 * - the production build (`npm run build`, scripts/build.js): dist/bundles and dist/public, minified
 *   ahead of time with .gz and .br copies beside each file; nothing is built while the server runs;
 * - the TypeScript sources (development, tests): each bundle built by esbuild in memory on its first
 *   request, then compressed once, so `npm run dev` serves edits after a restart without a build step.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';

/** Defined (as `true`) by the production build; undeclared when running from the sources. */
declare const PARLEY_PREBUILT: boolean | undefined;

export type BundleName = 'sdk' | 'web' | 'admin' | 'admin-css';

/** One bundle in every encoding it is served in; `hash` names its content (ETags derive from it). */
export interface Bundle {
  body: Buffer;
  gzip: Buffer;
  br: Buffer;
  hash: string;
}

export interface BrowserFiles {
  /** Files of a production build: their content cannot change while the process runs. */
  readonly prebuilt: boolean;
  /** The SDK package's version: the bundle is served as `gitple-live-sdk-v{version}.min.js`. */
  readonly sdkVersion: string;
  /** The demo page's static files (pre-built ones have .gz/.br copies beside them). */
  readonly publicDir: string;
  /** The operator console's page (packages/admin/public), likewise. */
  readonly adminPublicDir: string;
  bundle(name: BundleName): Promise<Bundle>;
}

/** `packages/` of the workspace, from this file's place in it (sources only). */
const PACKAGES_DIR = fileURLToPath(new URL('../../../', import.meta.url));
const ENTRIES: Record<BundleName, string> = {
  sdk: `${PACKAGES_DIR}sdk/src/bundle.ts`,
  web: `${PACKAGES_DIR}web/app/main.ts`,
  admin: `${PACKAGES_DIR}admin/app/main.tsx`,
  // The console's style sheet with uPlot's, bundled by esbuild like the scripts.
  'admin-css': `${PACKAGES_DIR}admin/app/style.css`,
};

function hashOf(body: Buffer): string {
  return createHash('sha256').update(body).digest('base64url').slice(0, 27);
}

/** Minified IIFE of one bundle (socket.io-client and @parley/protocol included), built now with esbuild. */
export async function buildBrowserBundle(name: BundleName): Promise<Bundle> {
  // esbuild is a build tool: loaded only when a bundle is first asked for, never in a production build.
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [ENTRIES[name]],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    minify: true,
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const body = Buffer.from(result.outputFiles[0]!.contents);
  const [gz, br] = await Promise.all([
    promisify(gzip)(body, { level: 9 }),
    promisify(brotliCompress)(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } }),
  ]);
  return { body, gzip: gz, br, hash: hashOf(body) };
}

/** Each bundle made at most once per process; a failed attempt is retried on the next request. */
function cached(make: (name: BundleName) => Promise<Bundle>): (name: BundleName) => Promise<Bundle> {
  const made = new Map<BundleName, Promise<Bundle>>();
  return (name) => {
    let pending = made.get(name);
    if (!pending) {
      pending = make(name);
      pending.catch(() => made.delete(name));
      made.set(name, pending);
    }
    return pending;
  };
}

interface BuildInfo {
  sdkVersion: string;
  bundles: Record<BundleName, string>;
}

/** dist/ of the build this code runs from: the nearest directory above it with build-info.json. */
function distDir(): string {
  // dist/server/main.js, or a chunk under dist/server/chunks/ when code is shared with the CLI.
  for (const up of ['../', '../../', '../../../']) {
    const dir = fileURLToPath(new URL(up, import.meta.url));
    if (existsSync(`${dir}build-info.json`)) return dir;
  }
  throw new Error(`no build-info.json above ${fileURLToPath(import.meta.url)}: run npm run build`);
}

function prebuiltFiles(): BrowserFiles {
  const dist = distDir();
  const info = JSON.parse(readFileSync(`${dist}build-info.json`, 'utf8')) as BuildInfo;
  return {
    prebuilt: true,
    sdkVersion: info.sdkVersion,
    publicDir: `${dist}public`,
    adminPublicDir: `${dist}admin-public`,
    bundle: cached(async (name) => {
      const file = `${dist}bundles/${info.bundles[name]}`;
      const [body, gz, br] = await Promise.all([readFile(file), readFile(`${file}.gz`), readFile(`${file}.br`)]);
      return { body, gzip: gz, br, hash: hashOf(body) };
    }),
  };
}

function sourceFiles(): BrowserFiles {
  const pkg = JSON.parse(readFileSync(`${PACKAGES_DIR}sdk/package.json`, 'utf8')) as { version: string };
  return { prebuilt: false, sdkVersion: pkg.version, publicDir: `${PACKAGES_DIR}web/public`, adminPublicDir: `${PACKAGES_DIR}admin/public`, bundle: cached(buildBrowserBundle) };
}

let files: BrowserFiles | undefined;

/** The browser files of this process: the production build's when running from dist/, else the sources'. */
export function browserFiles(): BrowserFiles {
  files ??= typeof PARLEY_PREBUILT !== 'undefined' && PARLEY_PREBUILT ? prebuiltFiles() : sourceFiles();
  return files;
}
