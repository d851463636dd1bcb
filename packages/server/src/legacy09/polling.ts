/**
 * The xhr-polling and jsonp-polling transports. A GET is held until the socket has packets (answered
 * with them, framed when several) or the polling duration passes (`8::`); each answered GET detaches,
 * and the socket buffers until the next. A POST carries client packets and is answered `1`. JSONP
 * wraps answers in `io.j[i](…)` and posts a form field `d` holding the payload as a JSON string.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { decodePayload, encodePayload, payloadChunks } from './codec.ts';
import { BodyTooLarge, jsonpCall, jsString, readBody, refuseTooLarge, sendChunks, sendText } from './http-io.ts';
import type { LegacySocket, OutboundPacket, TransportLink } from './socket.ts';
import type { Backlog } from '../realtime/outbound-limits.ts';

export type PollingKind = 'xhr-polling' | 'jsonp-polling';

/** What a poll for an unknown or expired sid gets: "client not handshaken", advice "reconnect". */
export const NOT_HANDSHAKEN = '7:::1+0';

/** One poll answer carries at most this much (a single larger packet goes alone); the rest waits for the next poll. */
export const POLL_ANSWER_MAX_BYTES = 1024 * 1024;

const NOOP: OutboundPacket = { text: '8::', bytes: 3 };
const NOTHING_PENDING: Backlog = { packets: 0, bytes: 0 };

/** Writes a poll answer of these packets to the response. */
type Answer = (res: ServerResponse, packets: readonly OutboundPacket[]) => void;

export interface PollingDeps {
  pollingDurationMs: number;
  maxBodyBytes: number;
}

/** One held GET. */
class PollLink implements TransportLink {
  readonly writeMaxBytes = POLL_ANSWER_MAX_BYTES;
  private answered = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly name: PollingKind,
    private readonly socket: LegacySocket,
    private readonly res: ServerResponse,
    private readonly answer: Answer,
    durationMs: number,
  ) {
    this.timer = setTimeout(() => this.write([NOOP]), durationMs);
    this.timer.unref();
    // The client gave up on this poll (aborted, or the connection dropped).
    res.on('close', () => this.finish());
  }

  writable(): boolean {
    return !this.answered;
  }

  write(packets: readonly OutboundPacket[]): void {
    if (this.answered) return;
    this.answer(this.res, packets);
    this.finish();
  }

  pending(): Backlog {
    return NOTHING_PENDING;
  }

  close(): void {
    this.write([NOOP]);
  }

  private finish(): void {
    if (this.answered) return;
    this.answered = true;
    clearTimeout(this.timer);
    this.socket.detach(this);
  }
}

function answerer(kind: PollingKind, query: URLSearchParams, cors: OutgoingHttpHeaders): Answer | undefined {
  // The framed payload is written piece by piece: the (shared) packet strings are not copied into one
  // string per client.
  if (kind === 'xhr-polling') return (res, packets) => sendChunks(res, 200, payloadChunks(packets), cors);
  const index = query.get('i') ?? '0';
  // The index is written into JavaScript: digits only.
  if (!/^\d{1,9}$/.test(index)) return undefined;
  return (res, packets) => sendText(res, 200, jsonpCall(index, jsString(encodePayload(packets.map((p) => p.text)))), cors, 'text/javascript; charset=UTF-8');
}

export function pollGet(kind: PollingKind, socket: LegacySocket | undefined, query: URLSearchParams, res: ServerResponse, cors: OutgoingHttpHeaders, deps: PollingDeps): void {
  const answer = answerer(kind, query, cors);
  if (!answer) {
    sendText(res, 400, 'bad jsonp index', cors);
    return;
  }
  if (!socket) {
    answer(res, [{ text: NOT_HANDSHAKEN, bytes: NOT_HANDSHAKEN.length }]);
    return;
  }
  if (query.has('disconnect')) {
    socket.close('client disconnected', false);
    sendText(res, 200, '', cors);
    return;
  }
  socket.attach(new PollLink(kind, socket, res, answer, deps.pollingDurationMs));
}

/** The client's packets of a POST body, or undefined when the body is not a payload at all. */
function postedPackets(kind: PollingKind, body: string): string[] | undefined {
  let payload = body;
  if (kind === 'jsonp-polling') {
    const field = new URLSearchParams(body).get('d');
    if (field === null) return undefined;
    try {
      const parsed: unknown = JSON.parse(field);
      if (typeof parsed !== 'string') return undefined;
      payload = parsed;
    } catch {
      return undefined;
    }
  }
  const decoded = decodePayload(payload);
  return decoded.ok ? decoded.value : undefined;
}

export async function pollPost(kind: PollingKind, socket: LegacySocket | undefined, req: IncomingMessage, res: ServerResponse, cors: OutgoingHttpHeaders, deps: PollingDeps): Promise<void> {
  if (!socket) {
    sendText(res, 200, NOT_HANDSHAKEN, { ...cors, Connection: 'close' });
    return;
  }
  let body: string;
  try {
    body = await readBody(req, deps.maxBodyBytes);
  } catch (err) {
    if (err instanceof BodyTooLarge) refuseTooLarge(req, res, cors);
    return;
  }
  const packets = postedPackets(kind, body);
  if (!packets) {
    sendText(res, 400, 'malformed payload', cors);
    return;
  }
  socket.receive(packets);
  sendText(res, 200, '1', cors);
}
