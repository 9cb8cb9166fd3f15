// Who may use the broker and how much: every request's peer address (from the connection, never
// from X-Forwarded-For or any other header) must be in the --allow networks, and with --client-ca
// the connection must carry a client certificate signed by that CA; else `403 forbidden`. Each
// address may keep --max-connections open (more are closed at once), make --request-rate
// requests a second (burst twice that) and send --report-rate reports an hour (a tenth of them at
// once, at least 10, and 4 KiB a report), else `429 too-many` with Retry-After. Refusals are audited once per
// address and minute, so a flood cannot flood the log. Admin paths (/admin/, /v1/admin/) skip the
// network, certificate and rate checks: they answer only to the admin's token (and its page polls),
// and the connection cap still holds.
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Audit } from '../audit-log.ts';
import { HttpProblem } from '../http-body.ts';
import type { Peer } from '../sessions/session-service.ts';
import { clientAddress, type AllowList } from './allow-list.ts';
import { RateBuckets } from './rate-buckets.ts';

export type AccessLimits = {
  readonly maxConnections: number;
  readonly requestsPerSecond: number;
  readonly reportsPerHour: number;
};

export const defaultAccessLimits: AccessLimits = { maxConnections: 32, requestsPerSecond: 20, reportsPerHour: 60 };

/** Bytes of reports one address may have kept an hour (4 KiB a report, at least 256 KiB): a flood
 * from one address takes days to fill the report file. */
export function reportBytesPerHour(reportsPerHour: number): number {
  return Math.max(256 * 1024, reportsPerHour * 4096);
}
/** Reports one address may send at once: a tenth of the hour's, at least 10. */
const reportBurst = (reportsPerHour: number) => Math.max(10, Math.ceil(reportsPerHour / 10));
const quietMs = 60_000;

export type GateOptions = {
  readonly allow: AllowList;
  /** --client-ca given: connections must present a certificate it signed. */
  readonly clientCertificates: boolean;
  readonly limits: AccessLimits;
  readonly audit: Audit;
};

function adminPath(path: string): boolean {
  return path === '/admin' || path.startsWith('/admin/') || path.startsWith('/v1/admin/');
}

export class ClientGate {
  private readonly options: GateOptions;
  private readonly connections = new Map<string, number>();
  private readonly requests: RateBuckets;
  private readonly reports: RateBuckets;
  private readonly reportBytes: RateBuckets;
  private readonly lastAudited = new Map<string, number>();

  constructor(options: GateOptions) {
    this.options = options;
    const { requestsPerSecond, reportsPerHour } = options.limits;
    this.requests = new RateBuckets(requestsPerSecond * 2, requestsPerSecond);
    this.reports = new RateBuckets(reportBurst(reportsPerHour), reportsPerHour / 3600);
    const bytes = reportBytesPerHour(reportsPerHour);
    this.reportBytes = new RateBuckets(bytes, bytes / 3600);
  }

  /** Counts each address's open connections; one over the limit is closed at once, before any
   * HTTP (or TLS) work is spent on it: an address flooding connections costs an accept and a close
   * each, and other addresses are served meanwhile (npm run bench -- slowConnectionAttack). */
  watch(server: Server): void {
    server.prependListener('connection', (socket: Socket) => {
      const address = clientAddress(socket.remoteAddress);
      const open = (this.connections.get(address) ?? 0) + 1;
      if (open > this.options.limits.maxConnections) {
        this.refuseOnce('connection-refused', address, `more than ${this.options.limits.maxConnections} open connections`);
        socket.destroy();
        return;
      }
      this.connections.set(address, open);
      socket.once('close', () => {
        const left = (this.connections.get(address) ?? 1) - 1;
        if (left <= 0) this.connections.delete(address);
        else this.connections.set(address, left);
      });
    });
  }

  /** The peer of an allowed request; throws the 403 or 429 to answer. */
  admit(request: IncomingMessage, path: string): Peer {
    const address = clientAddress(request.socket.remoteAddress);
    if (adminPath(path)) return { address };
    const wait = this.requests.take(address);
    if (wait > 0) {
      this.refuseOnce('rate-limited', address, `more than ${this.options.limits.requestsPerSecond} requests a second`);
      throw new HttpProblem(429, 'too-many', `too many requests from ${address}; try again in ${wait} s`, { 'retry-after': String(wait) });
    }
    if (!this.options.allow.allows(address)) {
      this.refuseOnce('forbidden', address, 'not in the --allow networks');
      throw new HttpProblem(403, 'forbidden', `${address} may not use this broker (not in its --allow networks)`);
    }
    if (!this.options.clientCertificates) return { address };
    const socket = request.socket as TLSSocket;
    if (!socket.authorized) {
      const why = socket.authorizationError ? String(socket.authorizationError) : 'no certificate';
      this.refuseOnce('forbidden', address, `client certificate refused: ${why}`);
      throw new HttpProblem(403, 'forbidden', `a client certificate signed by the site's CA is needed (${why})`);
    }
    return { address, certificate: socket.getPeerCertificate().fingerprint256 };
  }

  /** A report of this many bytes from this address may be kept; throws 429 when it may not. */
  admitReport(address: string, bytes: number): void {
    const wait = Math.max(this.reports.take(address), this.reportBytes.take(address, bytes));
    if (wait === 0) return;
    this.refuseOnce(
      'reports-limited',
      address,
      `more than ${this.options.limits.reportsPerHour} reports or ${reportBytesPerHour(this.options.limits.reportsPerHour) / 1024} KiB an hour`,
    );
    throw new HttpProblem(429, 'too-many', `too many reports from ${address}; try again in ${wait} s`, { 'retry-after': String(wait) });
  }

  private refuseOnce(event: string, address: string, reason: string): void {
    const key = `${event} ${address}`;
    const now = performance.now();
    const last = this.lastAudited.get(key);
    if (last !== undefined && now - last < quietMs) return;
    if (this.lastAudited.size >= 10_000) {
      for (const [known, at] of this.lastAudited) if (now - at >= quietMs) this.lastAudited.delete(known);
      if (this.lastAudited.size >= 10_000) this.lastAudited.clear();
    }
    this.lastAudited.set(key, now);
    this.options.audit(event, { peer: address, reason, note: 'further refusals of this address are not logged for a minute' });
  }
}
