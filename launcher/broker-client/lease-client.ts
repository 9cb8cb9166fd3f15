// The PC's side of a session's lease (docs/broker-protocol.md, LEASES): renew it every
// renewSeconds while the session runs (or hold it on an open connection in exec mode), end it
// when the session ends. A renewal the broker cannot
// be reached for is tried again at the next turn (the lease lives on for graceSeconds); one the
// broker refuses (the lease ended: an admin ended it, or it expired) ends the session with that
// reason. The token is a secret like the password: never logged, never in argv or the environment.
import { bodyLimits, type ClientInfo, errorBodySchema, type Lease, protocol } from '../../common/protocol/broker-protocol.ts';
import { brokerResource } from './broker-url.ts';
import type { RequestOptions } from './catalog-fetch.ts';
import { BrokerError, certificateAuthority, clientIdentity, sendRequest } from './http-request.ts';

export type LeaseHandle = { readonly broker: string; readonly lease: Lease; readonly client: ClientInfo };

export type RenewOutcome =
  | { readonly kind: 'renewed' }
  | { readonly kind: 'ended'; readonly reason: string }
  | { readonly kind: 'unreachable'; readonly reason: string };

function body(handle: LeaseHandle, withClient: boolean): string {
  return JSON.stringify({ token: handle.lease.token, ...(withClient ? { guest: handle.lease.guest, client: handle.client } : {}) });
}

function reasonOf(text: string, status: number): string {
  try {
    const parsed = errorBodySchema.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data.error.message;
  } catch {
    // Not the protocol's error body.
  }
  return `HTTP ${status}`;
}

/** Tells the broker the session still runs; with guest and client, so a broker that restarted can take the lease back. */
export async function renewLease(handle: LeaseHandle, options: RequestOptions): Promise<RenewOutcome> {
  const url = brokerResource(handle.broker, protocol.leasePath(handle.lease.id, 'renew'));
  try {
    const answer = await sendRequest({
      url,
      method: 'POST',
      headers: { [protocol.minorHeader]: protocol.minorVersion },
      body: body(handle, true),
      timeoutMs: options.timeoutMs,
      maxBytes: bodyLimits.errorBytes,
      caFile: options.caFile,
      clientCertificate: options.clientCertificate,
    });
    if (answer.status >= 200 && answer.status < 300) return { kind: 'renewed' };
    if (answer.status === 403 || answer.status === 404) return { kind: 'ended', reason: reasonOf(answer.body, answer.status) };
    return { kind: 'unreachable', reason: reasonOf(answer.body, answer.status) };
  } catch (error) {
    return { kind: 'unreachable', reason: error instanceof BrokerError ? error.reason : String(error) };
  }
}

/** Tells the broker the session is over, so the desktop is free at once. Failures only delay that until the grace time ends. */
export async function endLease(handle: LeaseHandle, options: RequestOptions): Promise<string | undefined> {
  const url = brokerResource(handle.broker, protocol.leasePath(handle.lease.id, 'end'));
  try {
    const answer = await sendRequest({
      url,
      method: 'POST',
      body: body(handle, false),
      timeoutMs: options.timeoutMs,
      maxBytes: bodyLimits.errorBytes,
      caFile: options.caFile,
      clientCertificate: options.clientCertificate,
    });
    return answer.status < 300 || answer.status === 404 ? undefined : reasonOf(answer.body, answer.status);
  } catch (error) {
    return error instanceof BrokerError ? error.reason : String(error);
  }
}

/** Renews every renewSeconds until stopped; calls lost() once when the broker says the lease is over. */
export function keepLease(
  handle: LeaseHandle,
  options: RequestOptions,
  events: { lost: (reason: string) => void; log: (line: string) => void },
): { stop(): void } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const turn = async () => {
    const outcome = await renewLease(handle, options);
    if (stopped) return;
    if (outcome.kind === 'ended') {
      stopped = true;
      events.lost(outcome.reason);
      return;
    }
    if (outcome.kind === 'unreachable') events.log(`lease ${handle.lease.id}: not renewed (${outcome.reason}); trying again`);
    timer = setTimeout(() => void turn(), handle.lease.renewSeconds * 1000);
  };
  timer = setTimeout(() => void turn(), handle.lease.renewSeconds * 1000);
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/**
 * POST /v1/leases/{id}/hold: a connection the broker keeps the lease alive on while it stays open
 * (exec mode, where no launcher is left to renew). Resolves with the TCP socket under it once the
 * broker answered 200; whoever keeps that socket's descriptor open holds the lease.
 */
export async function openLeaseHold(handle: LeaseHandle, options: RequestOptions): Promise<import('node:net').Socket> {
  const url = brokerResource(handle.broker, protocol.leasePath(handle.lease.id, 'hold'));
  const net = process.getBuiltinModule('node:net');
  const https = url.protocol === 'https:';
  const port = Number(url.port || (https ? 443 : 80));
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  // Read before connecting: an unreadable certificate file rejects here, not inside a socket event.
  const tlsFiles = https ? { ca: certificateAuthority(url.href, options.caFile), ...clientIdentity(url.href, options.clientCertificate) } : undefined;
  const raw = net.connect({ host, port });
  const fail = (reason: string) => {
    raw.destroy();
    return new BrokerError(url.href, reason);
  };
  const body = JSON.stringify({ token: handle.lease.token });
  const request = [
    `POST ${url.pathname} HTTP/1.1`,
    `host: ${url.host}`,
    'content-type: application/json',
    `content-length: ${Buffer.byteLength(body)}`,
    `${protocol.minorHeader}: ${protocol.minorVersion}`,
    '',
    body,
  ].join('\r\n');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(fail(`no answer within ${options.timeoutMs} ms (config key broker_timeout)`)), options.timeoutMs);
    raw.once('error', (error) => {
      clearTimeout(timer);
      reject(fail(error.message));
    });
    raw.once('connect', () => {
      const stream =
        tlsFiles === undefined ? raw : process.getBuiltinModule('node:tls').connect({ socket: raw, servername: host, ...tlsFiles, rejectUnauthorized: true });
      let head = '';
      stream.on('error', (error: Error) => {
        clearTimeout(timer);
        reject(fail(error.message));
      });
      stream.on('data', (chunk: Buffer) => {
        if (head.includes('\r\n\r\n')) return;
        head += chunk.toString('latin1');
        if (!head.includes('\r\n\r\n') && head.length < 4096) return;
        clearTimeout(timer);
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
        if (status === 200) resolve(raw);
        else reject(fail(`HTTP ${Number.isNaN(status) ? '?' : status}`));
      });
      stream.write(request);
    });
  });
}
