/**
 * The plain-HTTP side of the 0.9 handler: CORS headers, text and JSONP answers, and request bodies
 * read under a size cap. Node's own http types, since these requests never reach Fastify.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';

/** Headers letting a page on another origin read the answer, with cookies, as 0.9 servers allowed. */
export function corsHeaders(req: IncomingMessage, allowed: '*' | readonly string[]): OutgoingHttpHeaders {
  const origin = req.headers.origin;
  if (!origin || (allowed !== '*' && !allowed.includes(origin))) return {};
  return { 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Credentials': 'true' };
}

export function sendText(res: ServerResponse, status: number, body: string, headers: OutgoingHttpHeaders = {}, type = 'text/plain; charset=UTF-8'): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store', ...headers });
  res.end(body);
}

/** Like sendText, for a body given as pieces with known UTF-8 sizes: written one after another, never joined. */
export function sendChunks(res: ServerResponse, status: number, chunks: readonly { text: string; bytes: number }[], headers: OutgoingHttpHeaders = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  let length = 0;
  for (const c of chunks) length += c.bytes;
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=UTF-8', 'Content-Length': length, 'Cache-Control': 'no-store', ...headers });
  res.cork();
  for (const c of chunks) res.write(c.text);
  res.end();
}

/** A JavaScript string literal: JSON, plus the two line separators old engines refuse inside strings. */
export function jsString(text: string): string {
  return JSON.stringify(text).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** `io.j[N]("…");` — what a JSONP script tag runs. `index` must already be digits only. */
export function jsonpCall(index: string, argument: string): string {
  return `io.j[${index}](${argument});`;
}

export class BodyTooLarge extends Error {}

/**
 * Reads a request body as UTF-8, refusing more than `maxBytes` (whether announced by Content-Length or
 * not) without buffering it: the promise rejects with BodyTooLarge as soon as the cap is passed.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const announced = Number(req.headers['content-length']);
    if (Number.isFinite(announced) && announced > maxBytes) {
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onAborted = () => onError(new Error('request aborted'));
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    // 'close' before 'end' means the client went away mid-body.
    const onClose = () => {
      if (!req.complete) onAborted();
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/** Answers 413 and closes the connection, so a client streaming an endless body is not read further. */
export function refuseTooLarge(req: IncomingMessage, res: ServerResponse, headers: OutgoingHttpHeaders): void {
  sendText(res, 413, 'request body too large', { ...headers, Connection: 'close' });
  res.on('finish', () => req.destroy());
}
