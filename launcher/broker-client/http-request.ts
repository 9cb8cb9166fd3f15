// One bounded HTTP(S) request to a broker: TLS verified against the CA file (config key broker_ca,
// passed in), with this PC's client certificate when it has one (broker_client_cert/key), one timeout for the whole exchange (broker_timeout), a body size limit. Errors say
// which URL failed and why, in words. node:http and node:https are loaded on the first request:
// they cannot be part of the launcher's startup snapshot, and the first frame does not need them.
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { ReadError, readBoundedText } from '../../common/io/read-bounded.ts';
import { stripControls } from '../../common/text/terminal-safe.ts';
import type { ClientCertificate } from './broker-settings.ts';

export type HttpRequest = {
  readonly url: URL;
  readonly method: 'GET' | 'POST';
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly timeoutMs: number;
  /** Larger answers are refused without reading them into memory. */
  readonly maxBytes: number;
  /** PEM file with the CA that https brokers must be signed by. */
  readonly caFile: string;
  /** This PC's certificate and key, for https brokers that ask for one. */
  readonly clientCertificate?: ClientCertificate | undefined;
};

export type HttpAnswer = { readonly status: number; readonly headers: IncomingHttpHeaders; readonly body: string };

/** A broker could not be used; the message names the URL and the reason, terminal-safe (reasons quote what the peer sent). */
export class BrokerError extends Error {
  override readonly name = 'BrokerError';
  readonly url: string;
  readonly reason: string;
  constructor(url: string, reason: string, options?: ErrorOptions) {
    const [safeUrl, safeReason] = [stripControls(url), stripControls(reason)];
    super(`${safeUrl}: ${safeReason}`, options);
    this.url = safeUrl;
    this.reason = safeReason;
  }
}

const maxCaBytes = 1024 * 1024;

/** A PEM file named by a config key, read (bounded) for each connection, so a replaced certificate
 * is used from the next request on; what is wrong with it names the file and the key. */
function pemFile(url: string, file: string, key: string, what: string, marker: RegExp, unreadable: (why: string) => string): string {
  let pem: string;
  try {
    pem = readBoundedText(file, maxCaBytes);
  } catch (error) {
    throw new BrokerError(url, unreadable(error instanceof ReadError ? error.message : String(error)), { cause: error });
  }
  if (!marker.test(pem)) throw new BrokerError(url, `${file} (config key ${key}) holds no PEM ${what}`);
  return pem;
}

/** The CA bundle for https; a missing or unreadable file is an error, never a silent fallback to no verification. */
export function certificateAuthority(url: string, caFile: string): string {
  return pemFile(
    url,
    caFile,
    'broker_ca',
    'certificate',
    /-----BEGIN CERTIFICATE-----/,
    (why) => `cannot read the CA certificate ${caFile} (config key broker_ca): ${why}; https brokers are only trusted when signed by it`,
  );
}

/** This PC's certificate and key for https (config keys broker_client_cert, broker_client_key); an
 * unreadable or half-given pair is an error naming the key, never a silent connection without it. */
export function clientIdentity(url: string, files: ClientCertificate | undefined): { cert?: string; key?: string } {
  if (files === undefined) return {};
  const read = (file: string, key: string, other: string, what: string, marker: RegExp) => {
    if (file === '') throw new BrokerError(url, `${key} is not set, but ${other} is: give both or neither`);
    return pemFile(url, file, key, what, marker, (why) => `cannot read ${file} (config key ${key}): ${why}`);
  };
  return {
    cert: read(files.certFile, 'broker_client_cert', 'broker_client_key', 'certificate', /-----BEGIN CERTIFICATE-----/),
    key: read(files.keyFile, 'broker_client_key', 'broker_client_cert', 'private key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/),
  };
}

const networkReasons: Record<string, string> = {
  ECONNREFUSED: 'connection refused (nothing listens there)',
  ECONNRESET: 'the connection was reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed (DNS not answering)',
  ETIMEDOUT: 'connection timed out',
  EPIPE: 'the connection was closed',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its certificate is self-signed and not the broker_ca certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'its certificate is not signed by the broker_ca certificate',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its certificate is not signed by the broker_ca certificate',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'its certificate is not signed by the broker_ca certificate',
  CERT_HAS_EXPIRED: 'its certificate has expired',
  CERT_NOT_YET_VALID: 'its certificate is not valid yet',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its certificate is for another host name',
  EPROTO: 'TLS handshake failed (is it really https?)',
};

function describeNetworkError(error: NodeJS.ErrnoException): string {
  const reason = error.code === undefined ? undefined : networkReasons[error.code];
  return reason === undefined ? error.message : `${reason} (${error.code})`;
}

export async function sendRequest(options: HttpRequest): Promise<HttpAnswer> {
  const href = options.url.href;
  const https = options.url.protocol === 'https:';
  if (!https && options.url.protocol !== 'http:') throw new BrokerError(href, 'only http:// and https:// brokers are supported');
  const ca = https ? certificateAuthority(href, options.caFile) : undefined;
  const identity = https ? clientIdentity(href, options.clientCertificate) : {};
  const send = https ? process.getBuiltinModule('node:https').request : process.getBuiltinModule('node:http').request;
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(options.body));
  }
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const fail = (reason: string) => {
      clearTimeout(timer);
      reject(new BrokerError(href, reason));
    };
    const request = send(
      options.url,
      { method: options.method, headers, ...(ca === undefined ? {} : { ca, rejectUnauthorized: true }), ...identity },
      (answer: IncomingMessage) => {
        const declared = Number(answer.headers['content-length']);
        if (Number.isFinite(declared) && declared > options.maxBytes) {
          answer.destroy();
          request.destroy();
          fail(`answer of ${declared} bytes is larger than the limit of ${options.maxBytes}`);
          return;
        }
        const chunks: Buffer[] = [];
        let length = 0;
        answer.on('data', (chunk: Buffer) => {
          length += chunk.length;
          if (length > options.maxBytes) {
            request.destroy();
            fail(`answer is larger than the limit of ${options.maxBytes} bytes`);
            return;
          }
          chunks.push(chunk);
        });
        answer.on('end', () => {
          clearTimeout(timer);
          resolve({ status: answer.statusCode ?? 0, headers: answer.headers, body: Buffer.concat(chunks, length).toString('utf8') });
        });
        // The answer had begun: a reset now means it was cut short (a proxy or the broker dying mid-answer).
        answer.on('error', (error: NodeJS.ErrnoException) =>
          fail(error.code === 'ECONNRESET' ? `the answer was cut short after ${length} bytes of its body` : describeNetworkError(error)),
        );
      },
    );
    timer = setTimeout(() => {
      request.destroy();
      fail(`no answer within ${options.timeoutMs} ms (config key broker_timeout)`);
    }, options.timeoutMs);
    request.on('error', (error: NodeJS.ErrnoException) => fail(describeNetworkError(error)));
    request.end(options.body);
  });
}
