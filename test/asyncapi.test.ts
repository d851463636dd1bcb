/**
 * The AsyncAPI document at /asyncapi.json, checked for structure: AsyncAPI 3.0 with the package
 * version; every chat event of the protocol's event map, with its arguments in order and a valid example, and the RTCS
 * events in both directions; the `error` reasons; the connection parameters; every operation on a
 * channel and messages that exist; and every reference pointing at something that exists. It is hidden
 * from the OpenAPI document and, like it, behind METRICS_TOKEN when that is set. (@asyncapi/parser
 * brings 170 packages and an install script not covered by allowScripts, so the check is our own.)
 */
import { CHAT_EVENT_ARGS, CHAT_EVENT_NAMES, CHAT_TOKEN_END_REASONS, RTCS_CHANNEL_EVENT } from '@parley/protocol';
import { Value } from '@sinclair/typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import serverPackage from '../packages/server/package.json' with { type: 'json' };
import { componentNameOf } from '../packages/server/src/http/api-components.ts';
import { startParley, type TestParley } from './support/start-parley.ts';

type Json = Record<string, unknown>;
interface Message {
  name: string;
  payload: Json & { $ref?: string; items?: Array<{ $ref?: string }> };
}
interface Doc {
  asyncapi: string;
  info: { title: string; version: string };
  channels: Record<string, { address: string; messages: Record<string, { $ref: string }>; bindings?: { ws?: { query?: { $ref?: string } } } }>;
  operations: Record<string, { action: string; channel: { $ref: string }; messages: Array<{ $ref: string }> }>;
  components: { schemas: Record<string, Json>; messages: Record<string, Message> };
}

let tp: TestParley;
let guarded: TestParley;
let doc: Doc;
beforeAll(async () => {
  [tp, guarded] = await Promise.all([startParley(), startParley({ env: { METRICS_TOKEN: 'a-metrics-token-0123' } })]);
  const res = await fetch(`${tp.url}/asyncapi.json`);
  expect(res.status).toBe(200);
  doc = (await res.json()) as Doc;
});
afterAll(async () => {
  await Promise.all([tp.stop(), guarded.stop()]);
});

/** Resolves a local reference (`#/a/b`) in the document, or undefined. */
function resolve(ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let at: unknown = doc;
  for (const part of ref.slice(2).split('/').map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'))) {
    if (typeof at !== 'object' || at === null || !(part in at)) return undefined;
    at = (at as Json)[part];
  }
  return at;
}

function refsIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refsIn(v, out));
  else if (typeof value === 'object' && value !== null) {
    for (const [key, v] of Object.entries(value)) {
      if (key === '$ref' && typeof v === 'string') out.push(v);
      else refsIn(v, out);
    }
  }
  return out;
}

const messagesOf = (channel: string): Message[] =>
  Object.values(doc.channels[channel]?.messages ?? {}).map((m) => resolve(m.$ref) as Message);

describe('/asyncapi.json', () => {
  it('is an AsyncAPI 3.0 document of the package version whose every reference exists', () => {
    expect(doc.asyncapi).toBe('3.0.0');
    expect(doc.info.version).toBe(serverPackage.version);
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(40);
    expect(refs.filter((ref) => resolve(ref) === undefined)).toEqual([]);
  });

  it('documents every chat event of the protocol with its arguments in order, and the error reasons', () => {
    const chat = messagesOf('chat');
    expect(Object.keys(CHAT_EVENT_ARGS).sort()).toEqual([...CHAT_EVENT_NAMES].sort());
    for (const event of CHAT_EVENT_NAMES) {
      const message = chat.find((m) => m.name === event);
      expect(message, event).toBeDefined();
      const expected = CHAT_EVENT_ARGS[event].tuple.items!.map((schema) => `#/components/schemas/${componentNameOf(schema)}`);
      expect(message!.payload.items?.map((item) => item.$ref), event).toEqual(expected);
      expect(message!.payload.minItems).toBe(expected.length);
      // Its example is a valid argument list of the protocol's tuple.
      const example = (message as Message & { examples?: Array<{ payload: unknown }> }).examples?.[0]?.payload;
      expect(Value.Check(CHAT_EVENT_ARGS[event].tuple, example), event).toBe(true);
    }
    const error = chat.find((m) => m.name === 'error');
    const reasons = resolve(error!.payload.$ref!) as { anyOf: Array<{ const?: string; enum?: string[] }> };
    expect(reasons.anyOf.map((r) => r.const ?? r.enum?.[0]).sort()).toEqual(Object.values(CHAT_TOKEN_END_REASONS).sort());
  });

  it('documents rtcs:channel both ways, presence notices and publications', () => {
    const rtcs = messagesOf('rtcs');
    const refOf = (title: string) => rtcs.find((m) => (m as Message & { title?: string }).title === title)?.payload.$ref;
    expect(rtcs.filter((m) => m.name === RTCS_CHANNEL_EVENT)).toHaveLength(3);
    expect(refOf('Channel command')).toBe('#/components/schemas/ChannelCommand');
    expect(refOf('Channel command answer')).toBe('#/components/schemas/ChannelResult');
    expect(refOf('Presence notice')).toBe('#/components/schemas/PresenceNotice');
    expect(refOf('Publication')).toBe('#/components/schemas/PublishData');
    const actions = Object.values(doc.operations).map((op) => `${op.action} ${op.channel.$ref} ${op.messages.map((m) => m.$ref).join(',')}`);
    expect(actions).toContain('receive #/channels/rtcs #/channels/rtcs/messages/channelCommand');
    expect(actions).toContain('send #/channels/rtcs #/channels/rtcs/messages/channelResult,#/channels/rtcs/messages/presenceNotice');
    // Every operation's messages belong to its channel.
    for (const [name, op] of Object.entries(doc.operations)) for (const m of op.messages) expect(m.$ref.startsWith(`${op.channel.$ref}/messages/`), name).toBe(true);
  });

  it('states the connection parameters: the access URL query and the chat auth', () => {
    const query = (channel: string) => resolve(doc.channels[channel]!.bindings!.ws!.query!.$ref!) as { properties: Json; required: string[] };
    expect(query('rtcs').required.sort()).toEqual(['app', 'd', 's', 'ts']);
    expect(Object.keys(query('rtcs').properties)).toContain('t');
    expect(query('chat').required.sort()).toEqual(['app_id', 'token', 'user_id']);
  });

  it('stays out of the OpenAPI document and behind METRICS_TOKEN when it is set', async () => {
    const openapi = (await (await fetch(`${tp.url}/openapi.json`)).json()) as { paths: Json };
    expect(Object.keys(openapi.paths)).not.toContain('/asyncapi.json');
    expect((await fetch(`${guarded.url}/asyncapi.json`)).status).toBe(401);
    expect((await fetch(`${guarded.url}/asyncapi.json`, { headers: { authorization: 'Bearer a-metrics-token-0123' } })).status).toBe(200);
  });
});
