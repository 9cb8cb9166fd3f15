// Downloads one update artifact of known size into FILE.part, continuing where an earlier try
// stopped (HTTP Range) and never writing past the size the signed manifest gives; also fetches
// the small files (manifest, signature) whole, bounded. Errors name the URL and the reason; a
// cut-short answer is a DownloadCut, which the caller retries. Reads no config keys.
import { closeSync, constants, fstatSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { stripControls } from '../../../common/text/terminal-safe.ts';

export class DownloadError extends Error {
  override readonly name = 'DownloadError';
  constructor(url: URL | string, reason: string, options?: ErrorOptions) {
    super(`${stripControls(String(url))}: ${stripControls(reason)}`, options);
  }
}

/** The answer ended before the file was whole; what arrived is kept for the next try. */
export class DownloadCut extends DownloadError {}

export type Fetch = {
  readonly url: URL;
  /** PEM text of the CA an https server must be signed by; https is refused without one. */
  readonly ca?: string | undefined;
  /** No byte for this long: the try is given up (and may be resumed). */
  readonly idleMs: number;
};

function get(fetch: Fetch, headers: Record<string, string>): Promise<{ answer: IncomingMessage; abort: () => void }> {
  const https = fetch.url.protocol === 'https:';
  if (!https && fetch.url.protocol !== 'http:') return Promise.reject(new DownloadError(fetch.url, 'only http:// and https:// are supported'));
  if (https && fetch.ca === undefined) return Promise.reject(new DownloadError(fetch.url, 'https needs a CA certificate to check the server against'));
  const send = https ? process.getBuiltinModule('node:https').request : process.getBuiltinModule('node:http').request;
  return new Promise((resolve, reject) => {
    const request = send(fetch.url, { method: 'GET', headers, ...(https ? { ca: fetch.ca, rejectUnauthorized: true } : {}) }, (answer) => {
      resolve({ answer, abort: () => request.destroy() });
    });
    request.setTimeout(fetch.idleMs, () => request.destroy(new Error(`no answer within ${fetch.idleMs} ms`)));
    request.on('error', (error: NodeJS.ErrnoException) => reject(new DownloadError(fetch.url, error.message, { cause: error })));
    request.end();
  });
}

/** Reads the answer's body through onChunk; rejects with DownloadCut when it stops early or goes idle. */
function drain(fetch: Fetch, answer: IncomingMessage, abort: () => void, onChunk: (chunk: Buffer) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let received = 0;
    let failed = false;
    const fail = (error: Error) => {
      if (failed) return;
      failed = true;
      abort();
      reject(error);
    };
    answer.setTimeout(fetch.idleMs, () => fail(new DownloadCut(fetch.url, `nothing arrived for ${fetch.idleMs} ms after ${received} bytes`)));
    answer.on('data', (chunk: Buffer) => {
      if (failed) return;
      received += chunk.length;
      try {
        onChunk(chunk);
      } catch (error) {
        fail(error as Error);
      }
    });
    answer.on('aborted', () => fail(new DownloadCut(fetch.url, `the answer was cut short after ${received} bytes`)));
    answer.on('error', () => fail(new DownloadCut(fetch.url, `the answer was cut short after ${received} bytes`)));
    answer.on('end', () => {
      if (!failed && !answer.complete) fail(new DownloadCut(fetch.url, `the answer was cut short after ${received} bytes`));
      else if (!failed) resolve();
    });
  });
}

/** A small file whole (manifest, signature); undefined when the server says 404. */
export async function fetchSmall(fetch: Fetch, maxBytes: number): Promise<Buffer | undefined> {
  const { answer, abort } = await get(fetch, {});
  if (answer.statusCode === 404) {
    abort();
    return undefined;
  }
  if (answer.statusCode !== 200) {
    abort();
    throw new DownloadError(fetch.url, `HTTP ${answer.statusCode ?? 0} ${answer.statusMessage ?? ''}`.trim());
  }
  const chunks: Buffer[] = [];
  let length = 0;
  await drain(fetch, answer, abort, (chunk) => {
    length += chunk.length;
    if (length > maxBytes) throw new DownloadError(fetch.url, `larger than the ${maxBytes} bytes such a file may have`);
    chunks.push(chunk);
  });
  return Buffer.concat(chunks, length);
}

export type DownloadResult = { readonly resumedFrom: number; readonly received: number };

const contentRange = /^bytes (\d+)-(\d+)\/(\d+)$/;

/**
 * One try at bringing `part` up to `size` bytes. Resumes from the bytes already there when the
 * server honours Range (206 with a matching Content-Range), else starts over.
 */
export async function downloadPart(fetch: Fetch, part: string, size: number, progress: (bytes: number) => void = () => {}): Promise<DownloadResult> {
  const fd = openSync(part, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  try {
    let have = fstatSync(fd).size;
    if (have > size) {
      ftruncateSync(fd, 0);
      have = 0;
    }
    if (have === size) return { resumedFrom: have, received: 0 };
    const { answer, abort } = await get(fetch, have > 0 ? { range: `bytes=${have}-` } : {});
    let position: number;
    if (answer.statusCode === 206) {
      const range = contentRange.exec(String(answer.headers['content-range'] ?? ''));
      if (!range || Number(range[1]) !== have || Number(range[3]) !== size) {
        abort();
        throw new DownloadError(
          fetch.url,
          `the server answered a resume from byte ${have} with Content-Range ${JSON.stringify(answer.headers['content-range'] ?? '')}; the signed size is ${size}`,
        );
      }
      position = have;
    } else if (answer.statusCode === 200) {
      const length = Number(answer.headers['content-length'] ?? Number.NaN);
      if (Number.isFinite(length) && length !== size) {
        abort();
        throw new DownloadError(fetch.url, `the server's file has ${length} bytes, the signed manifest says ${size}: truncated or replaced`);
      }
      // No Range support (or a changed file): start over.
      position = 0;
      ftruncateSync(fd, 0);
    } else if (answer.statusCode === 416) {
      abort();
      const total = /^bytes \*\/(\d+)$/.exec(String(answer.headers['content-range'] ?? ''))?.[1] ?? 'fewer';
      throw new DownloadError(fetch.url, `the server's file has ${total} bytes, the signed manifest says ${size}: truncated or replaced`);
    } else {
      abort();
      throw new DownloadError(fetch.url, `HTTP ${answer.statusCode ?? 0} ${answer.statusMessage ?? ''}`.trim());
    }
    const resumedFrom = position;
    await drain(fetch, answer, abort, (chunk) => {
      if (position + chunk.length > size) throw new DownloadError(fetch.url, `the server sent more than the ${size} bytes the signed manifest gives`);
      for (let offset = 0; offset < chunk.length; ) offset += writeSync(fd, chunk, offset, chunk.length - offset, position + offset);
      position += chunk.length;
      progress(position);
    });
    if (position < size) throw new DownloadCut(fetch.url, `the answer ended after ${position} of ${size} bytes`);
    return { resumedFrom, received: position - resumedFrom };
  } finally {
    closeSync(fd);
  }
}
