/**
 * The browser side served by Parley: the SDK bundle (`/sdk/gitple-live-sdk-v{VERSION}.min.js`,
 * `/sdk/parley.min.js`), and the demo chat page at `/` (packages/web) with its script `/app.js`.
 * The page gets a strict CSP, nosniff and frame-ancestors; the SDK bundle stays loadable cross-origin
 * (the seed's tutorial loads it from another site).
 */
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BundleCache, SDK_BUNDLE_ENTRY, sdkVersion, WEB_BUNDLE_ENTRY, WEB_PUBLIC_DIR } from './bundles.ts';

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

export interface StaticRoutesDeps {
  bundles?: BundleCache;
}

export async function staticRoutes(app: FastifyInstance, deps: StaticRoutesDeps = {}): Promise<void> {
  const bundles = deps.bundles ?? new BundleCache();

  const serveBundle = (entry: string) => async (req: FastifyRequest, reply: FastifyReply) => {
    let bundle;
    try {
      bundle = await bundles.get(entry);
    } catch (err) {
      req.log.error({ err, entry }, 'building a browser bundle failed');
      return reply.code(500).send({ code: 500, message: 'bundle unavailable' });
    }
    reply.header('etag', bundle.etag).header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff');
    if (req.headers['if-none-match'] === bundle.etag) return reply.code(304).send();
    return reply.type('text/javascript; charset=utf-8').send(bundle.code);
  };

  const hide = { schema: { hide: true } };
  const sdk = serveBundle(SDK_BUNDLE_ENTRY);
  app.get(`/sdk/gitple-live-sdk-v${sdkVersion()}.min.js`, hide, sdk);
  app.get('/sdk/parley.min.js', hide, sdk);

  await app.register(async (page) => {
    page.addHook('onSend', async (_req, reply) => {
      for (const [name, value] of Object.entries(PAGE_SECURITY_HEADERS)) reply.header(name, value);
    });
    page.get('/app.js', hide, serveBundle(WEB_BUNDLE_ENTRY));
    // One route per file (no catch-all), so unknown paths keep the APIs' own 404 answers.
    await page.register(fastifyStatic, { root: WEB_PUBLIC_DIR, prefix: '/', wildcard: false, index: 'index.html', cacheControl: false });
  });
}
