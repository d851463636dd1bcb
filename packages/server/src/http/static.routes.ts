/**
 * The browser side served by Parley: the SDK bundle (`/sdk/gitple-live-sdk-v{VERSION}.min.js`,
 * `/sdk/parley.min.js`), the demo chat page at `/` (packages/web) with its script `/app.js`, and the
 * operator console at `/admin/` (packages/admin) with `/admin/app.js` and `/admin/app.css`.
 * Bundles go out compressed (brotli or gzip, as the client accepts) with an ETag per encoding; the
 * versioned SDK file of a production build is cached for good (`immutable`), everything else is
 * revalidated (`no-cache` + ETag → 304). The page gets a strict CSP, nosniff and frame-ancestors; the
 * SDK bundle stays loadable cross-origin (the seed's tutorial loads it from another site).
 */
import { Negotiator } from '@fastify/accept-negotiator';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { browserFiles, type BrowserFiles, type BundleName } from './bundles.ts';
/** The demo page loads only its own script, style and the socket; images may be any uploaded file URL. */
export const PAGE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob: http: https:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

/**
 * The console is stricter still: nothing but its own script, style sheet and API; no framing, no
 * referrer, no plugins; it is never cached by anyone but the browser revalidating it.
 */
export const ADMIN_PAGE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "font-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; '),
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};

export interface StaticRoutesDeps {
  files?: BrowserFiles;
}

const YEAR_S = 365 * 86_400;
const encodings = new Negotiator({ supportedValues: ['br', 'gzip'], cache: new Map() });

/** Whether an If-None-Match list (`"a", W/"b"` or `*`) names `etag`. */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

export async function staticRoutes(app: FastifyInstance, deps: StaticRoutesDeps = {}): Promise<void> {
  const files = deps.files ?? browserFiles();

  /** `forever`: the URL names one build of the file, so caches may keep it without asking again. */
  const serveBundle = (name: BundleName, forever: boolean, type = 'text/javascript; charset=utf-8') => async (req: FastifyRequest, reply: FastifyReply) => {
    let bundle;
    try {
      bundle = await files.bundle(name);
    } catch (err) {
      req.log.error({ err, bundle: name }, 'building a browser bundle failed');
      return reply.code(500).send({ code: 500, message: 'bundle unavailable' });
    }
    const encoding = encodings.negotiate(req.headers['accept-encoding'] ?? '') as 'br' | 'gzip' | null;
    // One ETag per encoding: the compressed bytes are a different representation of the same file.
    const etag = `"${bundle.hash}${encoding === 'br' ? '-br' : encoding === 'gzip' ? '-gz' : ''}"`;
    reply
      .header('etag', etag)
      .header('vary', 'accept-encoding')
      .header('cache-control', forever && files.prebuilt ? `public, max-age=${YEAR_S}, immutable` : 'no-cache')
      .header('x-content-type-options', 'nosniff');
    if (matches(req.headers['if-none-match'], etag)) return reply.code(304).send();
    if (encoding) reply.header('content-encoding', encoding);
    return reply.type(type).send(encoding === 'br' ? bundle.br : encoding === 'gzip' ? bundle.gzip : bundle.body);
  };

  const hide = { schema: { hide: true } };
  app.get(`/sdk/gitple-live-sdk-v${files.sdkVersion}.min.js`, hide, serveBundle('sdk', true));
  app.get('/sdk/parley.min.js', hide, serveBundle('sdk', false));

  await app.register(async (page) => {
    page.addHook('onSend', async (_req, reply) => {
      for (const [name, value] of Object.entries(PAGE_SECURITY_HEADERS)) reply.header(name, value);
      if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-cache');
    });
    page.get('/app.js', hide, serveBundle('web', false));
    // One route per file (no catch-all), so unknown paths keep the APIs' own 404 answers. A production
    // build has .br/.gz copies of each file beside it: those are served to clients that accept them.
    await page.register(fastifyStatic, {
      root: files.publicDir,
      prefix: '/',
      wildcard: false,
      index: ['index.html'], // an array: with preCompressed, @fastify/static finds a string index for `/` as no index at all
      cacheControl: false,
      preCompressed: files.prebuilt,
      globIgnore: ['**/*.gz', '**/*.br'],
    });
  });

  await app.register(async (page) => {
    page.addHook('onSend', async (_req, reply) => {
      for (const [name, value] of Object.entries(ADMIN_PAGE_SECURITY_HEADERS)) reply.header(name, value);
      if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-cache');
    });
    page.get('/admin/app.js', hide, serveBundle('admin', false));
    page.get('/admin/app.css', hide, serveBundle('admin-css', false, 'text/css; charset=utf-8'));
    await page.register(fastifyStatic, {
      root: files.adminPublicDir,
      prefix: '/admin/',
      // `/admin` answers with a redirect to `/admin/`, where the page is.
      redirect: true,
      wildcard: false,
      index: ['index.html'],
      cacheControl: false,
      preCompressed: files.prebuilt,
      globIgnore: ['**/*.gz', '**/*.br'],
      decorateReply: false,
    });
  });
}
