// Reads a request body up to a limit and parses it with a protocol schema; answers are the
// protocol's error bodies (docs/broker-protocol.md, "Errors").
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import type { ErrorCode } from '../common/protocol/broker-protocol.ts';
import { describeSchemaProblem } from '../common/protocol/schema-problem.ts';

export class HttpProblem extends Error {
  override readonly name = 'HttpProblem';
  readonly status: number;
  readonly code: ErrorCode;
  /** Extra answer headers (Retry-After, WWW-Authenticate). */
  readonly headers: Readonly<Record<string, string>>;
  constructor(status: number, code: ErrorCode, message: string, headers: Readonly<Record<string, string>> = {}, options?: ErrorOptions) {
    super(message, options);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers });
  response.end(text);
}

export function sendProblem(response: ServerResponse, problem: HttpProblem, headers: Record<string, string> = {}): void {
  sendJson(response, problem.status, { error: { code: problem.code, message: problem.message } }, { ...problem.headers, ...headers });
}

/** The whole body, refused with 413 (and the connection cut) past maxBytes. */
export function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      reject(new HttpProblem(413, 'too-large', `body larger than ${maxBytes} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let length = 0;
    request.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > maxBytes) {
        reject(new HttpProblem(413, 'too-large', `body larger than ${maxBytes} bytes`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('error', reject);
    request.on('end', () => resolve(Buffer.concat(chunks, length)));
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
