/**
 * Packet codec of the socket.io 0.9 wire protocol (see PROTOCOL-0.9.md, "Packets" and "Framing").
 * A packet is `type:[id[+]]:[endpoint][:data]`; several packets in one polling body are framed as
 * `\ufffd<len>\ufffd<packet>` with `len` in UTF-16 code units. Decoding never throws: whatever a client
 * sends, malformed input comes back as `{ ok: false, reason }`.
 */

export type PacketType = 'disconnect' | 'connect' | 'heartbeat' | 'message' | 'json' | 'event' | 'ack' | 'error' | 'noop';

const TYPES: readonly PacketType[] = ['disconnect', 'connect', 'heartbeat', 'message', 'json', 'event', 'ack', 'error', 'noop'];

/** Fields every packet may carry: a message id, whether the sender wants an ack (with data), the namespace. */
interface PacketBase {
  /** Decimal message id, kept as text (ids are opaque and may exceed 2^53). */
  id?: string;
  /** `plain` for `id`, `data` for `id+` (the receiver acks with arguments). */
  ack?: 'plain' | 'data';
  /** Namespace, `''` for the socket itself. */
  endpoint: string;
}

export type Packet = PacketBase &
  (
    | { type: 'disconnect' }
    | { type: 'connect'; /** `?a=b` query of a namespace join, or `''`. */ query: string }
    | { type: 'heartbeat' }
    | { type: 'message'; data: string }
    | { type: 'json'; data: unknown }
    | { type: 'event'; name: string; args: unknown[] }
    /** `args` is undefined for a plain ack (`6:::id`), an array for a data ack (`6:::id+[…]`). */
    | { type: 'ack'; ackId: string; args?: unknown[] }
    | { type: 'error'; reason?: number; advice?: number }
    | { type: 'noop' }
  );

export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Ids beyond this many digits are not something a real client sends. */
const MAX_ID_DIGITS = 16;

// Anchored, unlike the historical client regexp, so that trailing or leading garbage is refused.
const PACKET_RE = /^([0-8]):(\d*)(\+?):([^:]*)(?::([\s\S]*))?$/;

function fail<T>(reason: string): Decoded<T> {
  return { ok: false, reason };
}

function parseJson(text: string): Decoded<unknown> {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return fail('data is not valid JSON');
  }
}

/** Decodes one packet. */
export function decodePacket(raw: string): Decoded<Packet> {
  const m = PACKET_RE.exec(raw);
  if (!m) return fail('not a packet');
  const [, typeDigit, id = '', plus = '', endpoint = '', data] = m;
  const type = TYPES[Number(typeDigit)]!;
  if (id.length > MAX_ID_DIGITS) return fail('message id too long');
  if (plus && !id) return fail('"+" without a message id');
  const base: PacketBase = { endpoint };
  if (id) {
    base.id = id;
    base.ack = plus ? 'data' : 'plain';
  }
  const text = data ?? '';
  switch (type) {
    case 'disconnect':
    case 'heartbeat':
    case 'noop':
      return { ok: true, value: { ...base, type } };
    case 'connect':
      return { ok: true, value: { ...base, type, query: text } };
    case 'message':
      return { ok: true, value: { ...base, type, data: text } };
    case 'json': {
      const json = parseJson(text);
      return json.ok ? { ok: true, value: { ...base, type, data: json.value } } : json;
    }
    case 'event':
      return decodeEvent(base, text);
    case 'ack':
      return decodeAck(base, text);
    case 'error':
      return decodeError(base, text);
  }
}

function decodeEvent(base: PacketBase, text: string): Decoded<Packet> {
  const json = parseJson(text);
  if (!json.ok) return json;
  const ev = json.value as { name?: unknown; args?: unknown } | null;
  if (!ev || typeof ev !== 'object' || Array.isArray(ev)) return fail('event data is not an object');
  if (typeof ev.name !== 'string' || ev.name === '') return fail('event has no name');
  if (ev.args !== undefined && !Array.isArray(ev.args)) return fail('event args is not an array');
  return { ok: true, value: { ...base, type: 'event', name: ev.name, args: (ev.args as unknown[] | undefined) ?? [] } };
}

function decodeAck(base: PacketBase, text: string): Decoded<Packet> {
  const m = /^(\d{1,16})(?:(\+)([\s\S]*))?$/.exec(text);
  if (!m) return fail('ack has no message id');
  const [, ackId = '', plus, argsText = ''] = m;
  if (!plus) return { ok: true, value: { ...base, type: 'ack', ackId } };
  const json = parseJson(argsText);
  if (!json.ok) return json;
  if (!Array.isArray(json.value)) return fail('ack args is not an array');
  return { ok: true, value: { ...base, type: 'ack', ackId, args: json.value as unknown[] } };
}

function decodeError(base: PacketBase, text: string): Decoded<Packet> {
  if (text === '') return { ok: true, value: { ...base, type: 'error' } };
  const m = /^(\d{0,3})(?:\+(\d{1,3}))?$/.exec(text);
  if (!m) return fail('error packet data is not reason+advice');
  const packet: Packet = { ...base, type: 'error' };
  if (m[1]) packet.reason = Number(m[1]);
  if (m[2]) packet.advice = Number(m[2]);
  return { ok: true, value: packet };
}

/** Encodes one packet. */
export function encodePacket(packet: Packet): string {
  const head = `${TYPES.indexOf(packet.type)}:${packet.id ?? ''}${packet.id && packet.ack === 'data' ? '+' : ''}:${packet.endpoint}`;
  const data = packetData(packet);
  return data === undefined ? head : `${head}:${data}`;
}

function packetData(packet: Packet): string | undefined {
  switch (packet.type) {
    case 'disconnect':
    case 'heartbeat':
    case 'noop':
      return undefined;
    case 'connect':
      return packet.query || undefined;
    case 'message':
      return packet.data || undefined;
    case 'json':
      return JSON.stringify(packet.data);
    case 'event':
      return eventJson(packet.name, packet.args);
    case 'ack':
      return packet.args ? `${packet.ackId}+${JSON.stringify(packet.args)}` : packet.ackId;
    case 'error':
      if (packet.reason === undefined && packet.advice === undefined) return undefined;
      return `${packet.reason ?? ''}${packet.advice === undefined ? '' : `+${packet.advice}`}`;
  }
}

/** The data part of an event packet; exposed so a publication is serialised once for many endpoints. */
export function eventJson(name: string, args: readonly unknown[]): string {
  return eventJsonOfArgs(name, JSON.stringify(args));
}

/** eventJson from the arguments' JSON array, already serialised (a publication's payload). */
export function eventJsonOfArgs(name: string, argsJson: string): string {
  return argsJson === '[]' ? `{"name":${JSON.stringify(name)}}` : `{"name":${JSON.stringify(name)},"args":${argsJson}}`;
}

/** `5::<endpoint>:<json>` from a prepared `eventJson`. */
export function eventPacketFromJson(endpoint: string, json: string): string {
  return `5::${endpoint}:${json}`;
}

/**
 * The pieces of a polling body carrying `packets` with their UTF-8 sizes, in order, without joining
 * them: one packet is sent bare, several each behind its `\ufffd<len>\ufffd` frame mark.
 */
export function payloadChunks(packets: readonly { text: string; bytes: number }[]): Array<{ text: string; bytes: number }> {
  if (packets.length === 1) return [packets[0]!];
  const chunks: Array<{ text: string; bytes: number }> = [];
  for (const p of packets) {
    const mark = `\ufffd${p.text.length}\ufffd`;
    // U+FFFD is three bytes of UTF-8; the length digits one each.
    chunks.push({ text: mark, bytes: mark.length + 4 }, p);
  }
  return chunks;
}

/** Joins packets into one polling body: one packet bare, several framed. */
export function encodePayload(packets: readonly string[]): string {
  if (packets.length === 1) return packets[0]!;
  let out = '';
  for (const p of packets) out += `\ufffd${p.length}\ufffd${p}`;
  return out;
}

/** Longest length prefix accepted: a body is capped well below 10^9 code units anyway. */
const MAX_LENGTH_DIGITS = 9;

/**
 * Splits a polling body into raw packets. A body not starting with `\ufffd` is one bare packet; a framed
 * body must be a complete sequence of frames, or it is refused as a whole.
 */
export function decodePayload(body: string): Decoded<string[]> {
  if (body === '') return { ok: true, value: [] };
  if (body.charCodeAt(0) !== 0xfffd) return { ok: true, value: [body] };
  const packets: string[] = [];
  let i = 0;
  while (i < body.length) {
    if (body.charCodeAt(i) !== 0xfffd) return fail(`frame marker expected at ${i}`);
    const end = body.indexOf('\ufffd', i + 1);
    const digits = end < 0 ? '' : body.slice(i + 1, end);
    if (!/^\d+$/.test(digits) || digits.length > MAX_LENGTH_DIGITS) return fail(`bad frame length at ${i}`);
    const length = Number(digits);
    const start = end + 1;
    if (start + length > body.length) return fail(`frame at ${i} is longer than the body`);
    packets.push(body.slice(start, start + length));
    i = start + length;
  }
  return { ok: true, value: packets };
}
