/**
 * Browser bundles built from the workspace's TypeScript with esbuild, in memory, on first request:
 * `npm install && npm start` serves the SDK and the demo page without a separate build step. Each
 * bundle is built once per process and kept with its ETag.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface Bundle {
  code: string;
  etag: string;
}

/** `packages/` of the workspace, from this file's place in it. */
const PACKAGES_DIR = fileURLToPath(new URL('../../../', import.meta.url));

export const SDK_BUNDLE_ENTRY = `${PACKAGES_DIR}sdk/src/bundle.ts`;
export const WEB_BUNDLE_ENTRY = `${PACKAGES_DIR}web/app/main.ts`;
export const WEB_PUBLIC_DIR = `${PACKAGES_DIR}web/public`;

/** The SDK package's version: the bundle is served as `gitple-live-sdk-v{version}.min.js`. */
export function sdkVersion(): string {
  const pkg = JSON.parse(readFileSync(`${PACKAGES_DIR}sdk/package.json`, 'utf8')) as { version: string };
  return pkg.version;
}

/** Minified IIFE of one entry point (socket.io-client and @parley/protocol included). */
export async function buildBrowserBundle(entry: string): Promise<Bundle> {
  // esbuild is a build tool: loaded only when a bundle is first asked for.
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    minify: true,
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]!.text;
  return { code, etag: `"${createHash('sha256').update(code).digest('base64url').slice(0, 27)}"` };
}

/** Builds each bundle at most once; a failed build is retried on the next request. */
export class BundleCache {
  private readonly builds = new Map<string, Promise<Bundle>>();

  constructor(private readonly builder: (entry: string) => Promise<Bundle> = buildBrowserBundle) {}

  get(entry: string): Promise<Bundle> {
    let pending = this.builds.get(entry);
    if (!pending) {
      pending = this.builder(entry);
      pending.catch(() => this.builds.delete(entry));
      this.builds.set(entry, pending);
    }
    return pending;
  }
}
