// Reads a request body up to a limit and parses it with a protocol schema; answers are the
// protocol's error bodies (docs/broker-protocol.md, "Errors"), also for a body over its limit
// (413, after reading it away, so the client sees the answer) and for what the HTTP parser
// refuses (408 past the timeouts, 400, 431).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { z } from 'zod';
import type { ErrorCode } from '../common/protocol/broker-protocol.ts';
import { describeSchemaProblem } from '../common/protocol/schema-problem.ts';

/** An in-use answer's details: who holds the guest, since when, when a seat is expected free. */
export type InUseDetails = { readonly by?: string | undefined; readonly since?: string | undefined; readonly freeAt?: string | undefined };

export class HttpProblem extends Error {
  override readonly name = 'HttpProblem';
  readonly status: number;
  readonly code: ErrorCode;
  /** Extra answer headers (Retry-After, WWW-Authenticate). */
  readonly headers: Readonly<Record<string, string>>;
  readonly details: InUseDetails;
  constructor(
    status: number,
    code: ErrorCode,
    message: string,
    headers: Readonly<Record<string, string>> = {},
    options?: ErrorOptions & { readonly details?: InUseDetails },
  ) {
    super(message, options);
    this.status = status;
    this.code = code;
    this.headers = headers;
    this.details = options?.details ?? {};
  }
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers });
  response.end(text);
}

export function sendProblem(response: ServerResponse, problem: HttpProblem, headers: Record<string, string> = {}): void {
  const { by, since, freeAt } = problem.details;
  const details = { ...(by === undefined ? {} : { by }), ...(since === undefined ? {} : { since }), ...(freeAt === undefined ? {} : { freeAt }) };
  sendJson(response, problem.status, { error: { code: problem.code, message: problem.message, ...details } }, { ...problem.headers, ...headers });
}

/** How much of a body over its limit is read and thrown away before the 413 goes out: a client
 * that is still sending when the connection closes gets a reset instead of the answer. Beyond
 * this the connection is cut (and the 413 may be lost): nobody honest sends that much. */
export const discardLimitBytes = 1024 * 1024;

/** The whole body; past maxBytes a 413, once the rest is read away (up to discardLimitBytes more). */
export function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tooLarge = () => new HttpProblem(413, 'too-large', `body larger than ${maxBytes} bytes`);
    const giveUp = () => {
      request.removeAllListeners('data');
      request.resume();
      reject(tooLarge());
    };
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes + discardLimitBytes) {
      giveUp();
      return;
    }
    const chunks: Buffer[] = [];
    let length = 0;
    request.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length <= maxBytes) chunks.push(chunk);
      else if (length > maxBytes + discardLimitBytes) giveUp();
    });
    request.on('error', reject);
    request.on('end', () => (length > maxBytes ? reject(tooLarge()) : resolve(Buffer.concat(chunks, length))));
  });
}

export async function readJsonBody<T>(request: IncomingMessage, schema: z.ZodType<T>, maxBytes: number): Promise<T> {
  const body = await readBody(request, maxBytes);
  let document: unknown;
  try {
    document = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new HttpProblem(400, 'bad-request', `body is not JSON: ${(error as Error).message}`, {}, { cause: error });
  }
  const parsed = schema.safeParse(document);
  if (parsed.success) return parsed.data;
  throw new HttpProblem(400, 'bad-request', describeSchemaProblem(parsed.error));
}

/** The protocol's error body for what Node's HTTP parser refuses before a request exists (a slow
 * client past the header or request timeout, a malformed request), written on the raw connection. */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  const [status, reason, code, message] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'Request Timeout', 'timeout', 'the request was not complete in time']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large', 'too-large', 'request headers too large']
        : [400, 'Bad Request', 'bad-request', 'malformed HTTP request'];
  // As Node's own handler: only where no answer has begun on this connection, or it would be garbled.
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (!socket.writable || inFlight?.headersSent === true) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
  setTimeout(() => socket.destroy(), 1000).unref();
}
