// The broker's HTTP API, protocol v1 (docs/broker-protocol.md): GET/HEAD /v1/catalog with ETag,
// POST /v1/guests/{id}/session, POST /v1/leases/{id}/renew|hold|end, POST /v1/clients/{mac}/report
// (admin/ and reports/ hold the admin's status and the report intake). Every request passes the
// client gate first (allowed networks, client certificate, rate limits);
// every other request gets the protocol's error body. Clients say which minor version they read
// in the vdd-protocol header: from 1.2 they get the catalog's `use`, the answer's `lease` and
// in-use details, which the strict bodies of older launchers would refuse.
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  bodyLimits,
  leaseActions,
  leaseRequestSchema,
  leasesMinor,
  protocol,
  protocolMinor,
  sessionRequestSchema,
  type LeaseAction,
} from '../common/protocol/broker-protocol.ts';
import type { ClientGate } from './access/client-gate.ts';
import type { CatalogStore } from './catalog-store.ts';
import { HttpProblem, readJsonBody, sendJson, sendProblem } from './http-body.ts';
import type { Log } from './log.ts';
import type { ReportIntake } from './reports/report-intake.ts';
import type { Peer, SessionService } from './sessions/session-service.ts';

/** The admin's resources (broker/admin/), when they are on. */
export type AdminApi = {
  handles(path: string): boolean;
  handle(request: IncomingMessage, response: ServerResponse, path: string): Promise<void>;
};

export type Api = {
  readonly store: CatalogStore;
  readonly sessions: SessionService;
  readonly reports: ReportIntake;
  readonly admin?: AdminApi | undefined;
  readonly gate: ClientGate;
  readonly log: Log;
};

const sessionPath = /^\/v1\/guests\/([^/]{1,192})\/session$/;
const reportPath = /^\/v1\/clients\/([^/]{1,64})\/report$/;
const leasePath = /^\/v1\/leases\/([^/]{1,192})\/([a-z]{1,16})$/;

function etagMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed === etag || trimmed === `W/${etag}`;
  });
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new HttpProblem(400, 'bad-request', 'badly escaped path');
  }
}

export function apiHandler(api: Api) {
  return (request: IncomingMessage, response: ServerResponse): void => {
    const minor = protocolMinor(request.headers[protocol.minorHeader]);
    const leases = minor >= leasesMinor;
    handle(api, request, response, minor).catch((error: unknown) => {
      const problem = error instanceof HttpProblem ? error : new HttpProblem(500, 'internal', 'internal error');
      if (!(error instanceof HttpProblem)) api.log(`internal error on ${request.method} ${request.url}: ${(error as Error).stack ?? String(error)}`);
      if (response.headersSent) return;
      // A request whose body was not read (refused before it, or too large) ends its connection.
      const unread = !request.complete;
      sendProblem(
        response,
        leases ? problem : new HttpProblem(problem.status, problem.code, problem.message, problem.headers),
        unread ? { connection: 'close' } : {},
      );
    });
  };
}

function requireMethod(request: IncomingMessage, allowed: readonly string[], response: ServerResponse): boolean {
  if (allowed.includes(request.method ?? '')) return true;
  sendProblem(response, new HttpProblem(405, 'bad-request', `use ${allowed.join(' or ')}`), { allow: allowed.join(', ') });
  return false;
}

async function handle(api: Api, request: IncomingMessage, response: ServerResponse, minor: number): Promise<void> {
  const leases = minor >= leasesMinor;
  const path = (request.url ?? '/').split('?')[0] ?? '/';
  const peer = api.gate.admit(request, path);
  if (api.admin?.handles(path)) return api.admin.handle(request, response, path);
  if (path === '/v1/catalog') {
    if (!requireMethod(request, ['GET', 'HEAD'], response)) return;
    const { body, etag } = api.store.catalog(minor);
    const headers = { etag, 'cache-control': 'no-cache', 'content-type': 'application/json', vary: protocol.minorHeader };
    if (etagMatches(request.headers['if-none-match'], etag)) {
      response.writeHead(304, headers).end();
      return;
    }
    response.writeHead(200, { ...headers, 'content-length': Buffer.byteLength(body) });
    response.end(request.method === 'HEAD' ? undefined : body);
    return;
  }
  const session = sessionPath.exec(path);
  if (session) {
    if (!requireMethod(request, ['POST'], response)) return;
    const id = decode(session[1] ?? '');
    const { client } = await readJsonBody(request, sessionRequestSchema, bodyLimits.sessionRequestBytes);
    const { lease, ...answer } = await api.sessions.request(id, client, peer);
    sendJson(response, 200, leases ? { ...answer, lease } : answer);
    return;
  }
  const lease = leasePath.exec(path);
  if (lease) {
    if (!requireMethod(request, ['POST'], response)) return;
    const action = lease[2] as LeaseAction;
    if (!leaseActions.includes(action)) throw new HttpProblem(404, 'not-found', `no such resource: ${path.slice(0, 200)}`);
    await leaseRequest(api, decode(lease[1] ?? ''), action, request, response, peer);
    return;
  }
  const report = reportPath.exec(path);
  if (report) {
    if (!requireMethod(request, ['POST'], response)) return;
    const mac = decode(report[1] ?? '').toLowerCase();
    api.gate.admitReport(peer.address, Number(request.headers['content-length']) || 0);
    await api.reports.receive(request, mac);
    response.writeHead(204).end();
    return;
  }
  throw new HttpProblem(404, 'not-found', `no such resource: ${path.slice(0, 200)}`);
}

async function leaseRequest(api: Api, id: string, action: LeaseAction, request: IncomingMessage, response: ServerResponse, peer: Peer): Promise<void> {
  const body = await readJsonBody(request, leaseRequestSchema, bodyLimits.leaseRequestBytes);
  switch (action) {
    case 'renew':
      api.sessions.renew(id, body, peer);
      break;
    case 'end':
      api.sessions.end(id, body, peer);
      break;
    case 'hold':
      api.sessions.hold(id, body, peer, response);
      return;
  }
  response.writeHead(204).end();
}
