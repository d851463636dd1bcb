/**
 * The xhr-polling and jsonp-polling transports. A GET is held until the socket has packets (answered
 * with them, framed when several) or the polling duration passes (`8::`); each answered GET detaches,
 * and the socket buffers until the next. A POST carries client packets and is answered `1`. JSONP
 * wraps answers in `io.j[i](…)` and posts a form field `d` holding the payload as a JSON string.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { encodePayload, decodePayload } from './codec.ts';
import { BodyTooLarge, jsonpCall, jsString, readBody, refuseTooLarge, sendText } from './http-io.ts';
import type { LegacySocket, TransportLink } from './socket.ts';

export type PollingKind = 'xhr-polling' | 'jsonp-polling';

/** What a poll for an unknown or expired sid gets: "client not handshaken", advice "reconnect". */
export const NOT_HANDSHAKEN = '7:::1+0';

export interface PollingDeps {
  pollingDurationMs: number;
  maxBodyBytes: number;
}

/** One held GET. */
class PollLink implements TransportLink {
  private answered = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly name: PollingKind,
    private readonly socket: LegacySocket,
    private readonly res: ServerResponse,
    private readonly answer: (res: ServerResponse, payload: string) => void,
    durationMs: number,
  ) {
    this.timer = setTimeout(() => this.write(['8::']), durationMs);
    this.timer.unref();
    // The client gave up on this poll (aborted, or the connection dropped).
    res.on('close', () => this.finish());
  }

  writable(): boolean {
    return !this.answered;
  }

  write(packets: readonly string[]): void {
    if (this.answered) return;
    this.answer(this.res, encodePayload(packets));
    this.finish();
  }

  pending(): number {
    return 0;
  }

  close(): void {
    this.write(['8::']);
  }

  private finish(): void {
    if (this.answered) return;
    this.answered = true;
    clearTimeout(this.timer);
    this.socket.detach(this);
  }
}

function answerer(kind: PollingKind, query: URLSearchParams, cors: OutgoingHttpHeaders): ((res: ServerResponse, payload: string) => void) | undefined {
  if (kind === 'xhr-polling') return (res, payload) => sendText(res, 200, payload, cors);
  const index = query.get('i') ?? '0';
  // The index is written into JavaScript: digits only.
  if (!/^\d{1,9}$/.test(index)) return undefined;
  return (res, payload) => sendText(res, 200, jsonpCall(index, jsString(payload)), cors, 'text/javascript; charset=UTF-8');
}

export function pollGet(kind: PollingKind, socket: LegacySocket | undefined, query: URLSearchParams, res: ServerResponse, cors: OutgoingHttpHeaders, deps: PollingDeps): void {
  const answer = answerer(kind, query, cors);
  if (!answer) {
    sendText(res, 400, 'bad jsonp index', cors);
    return;
  }
  if (!socket) {
    answer(res, NOT_HANDSHAKEN);
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
