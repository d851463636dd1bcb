/**
 * The API documents: OpenAPI at `/openapi.json` (browsed at `/docs`) from the routes' schemas, with the
 * protocol's named schemas as components and a security scheme per credential (the page shows it in
 * three parts, DOC_PARTS); AsyncAPI at
 * `/asyncapi.json` from the protocol's event definitions (asyncapi.ts). docs/api.md says how to read them.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { PARLEY_VERSION } from '../version.ts';
import { COMPONENTS, SECURITY_SCHEMES } from './api-components.ts';
import { buildAsyncApi } from './asyncapi.ts';

const TAGS = [
  { name: 'rtcs', description: 'RTCS Service API (x-nhn-apikey); also under /tc-pusher/' },
  { name: 'chat users', description: 'Chat server API (APP_ID + APP_API_KEY): users, their meta and session tokens' },
  { name: 'chat channels', description: 'Chat server API: group channels, membership, managers, moderation' },
  { name: 'chat messages', description: 'Chat server API: messages and receipts' },
  { name: 'chat application', description: 'Chat server API: the chat settings of the app (word filter, chat webhooks)' },
  { name: 'chat sdk', description: 'Chat client API (APP_ID + USER_ID + Bearer token): what the SDK calls as one user' },
  { name: 'chat', description: 'Files sent in messages, through their signed URLs' },
  { name: 'ops', description: 'Health, readiness and metrics' },
  { name: 'dev', description: 'The demo page (generated demo app on loopback only)' },
];

/**
 * The documentation page shows the API in three documents, chosen in its top bar: Swagger UI stops
 * drawing tag sections past about a hundred paths (all but the first went missing), and each reader
 * wants one face anyway. `/openapi.json` stays the whole API.
 */
const DOC_PARTS = {
  server: { name: 'Server APIs: RTCS and chat (your backend)', tags: ['rtcs', 'chat users', 'chat channels', 'chat messages', 'chat application', 'chat', 'ops', 'dev'] },
  client: { name: 'Chat client API (what the SDK calls)', tags: ['chat sdk'] },
  admin: { name: 'Operator console API (/admin/api)', tags: ['admin'] },
} as const;
type DocPart = keyof typeof DOC_PARTS;

interface OpenApiDocument {
  paths?: Record<string, Record<string, { tags?: string[] } | unknown>>;
  tags?: Array<{ name: string }>;
  [key: string]: unknown;
}

/** The operations of `doc` whose first tag belongs to `part`, with the same components. */
function docPart(doc: OpenApiDocument, part: DocPart): OpenApiDocument {
  const tags: readonly string[] = DOC_PARTS[part].tags;
  const paths: NonNullable<OpenApiDocument['paths']> = {};
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    const kept = Object.entries(item).filter(([, op]) => {
      const first = (op as { tags?: string[] } | null)?.tags?.[0];
      return first !== undefined && tags.includes(first);
    });
    if (kept.length > 0) paths[path] = Object.fromEntries(kept);
  }
  return { ...doc, paths, tags: (doc.tags ?? []).filter((t) => tags.includes(t.name)) };
}

/** The documentation page's header: Parley's name, not the UI framework's logo. */
const LOGO = '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="32"><text x="0" y="24" font-family="sans-serif" font-size="24" font-weight="bold" fill="#fff">Parley</text></svg>';

export async function registerApiDocs(app: FastifyInstance): Promise<void> {
  // Components named after their $id, so references read #/components/schemas/ChatChannel.
  for (const [name, schema] of Object.entries(COMPONENTS)) app.addSchema({ ...schema, $id: name });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Parley',
        version: PARLEY_VERSION,
        description:
          'RTCS-compatible realtime and GitpleLive-compatible chat API. The realtime events are in /asyncapi.json; docs/api.md in the repository says how to read both documents.',
      },
      tags: TAGS,
      components: { securitySchemes: SECURITY_SCHEMES },
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    theme: { title: 'Parley API' },
    logo: { type: 'image/svg+xml', content: LOGO },
    // The page's own document (./json) is the server part, the first of the top bar's list.
    transformSpecification: (doc) => docPart(doc as OpenApiDocument, 'server'),
    // The first of the list is the one shown first.
    uiConfig: { urls: (Object.keys(DOC_PARTS) as DocPart[]).map((part) => ({ name: DOC_PARTS[part].name, url: part === 'server' ? './json' : `./parts/${part}.json` })) },
  });
  for (const part of ['client', 'admin'] as const) app.get(`/docs/parts/${part}.json`, { schema: { hide: true } }, async () => docPart(app.swagger() as OpenApiDocument, part));
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  const asyncApi = buildAsyncApi(PARLEY_VERSION);
  app.get('/asyncapi.json', { schema: { hide: true } }, async () => asyncApi);
}
