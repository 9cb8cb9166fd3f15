// The broker's HTTP API, protocol v1 (docs/broker-protocol.md): GET/HEAD /v1/catalog with ETag,
// POST /v1/guests/{id}/session, POST /v1/clients/{mac}/report (admin/ and reports/ hold the
// admin's status and the report intake). Every other request gets the protocol's error body.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bodyLimits, protocol, sessionRequestSchema, type ClientInfo } from '../common/protocol/broker-protocol.ts';
import type { CatalogStore } from './catalog-store.ts';
import { HttpProblem, readJsonBody, sendJson, sendProblem } from './http-body.ts';
import type { Log } from './log.ts';
import type { ReportIntake } from './reports/report-intake.ts';
import type { SessionIssuer } from './session-issuer.ts';

/** The admin's resources (broker/admin/), when they are on. */
export type AdminApi = {
  handles(path: string): boolean;
  handle(request: IncomingMessage, response: ServerResponse, path: string): Promise<void>;
  /** A session answer went to client for guest id. */
  sessionIssued(id: string, client: ClientInfo, address: string): void;
};

export type Api = {
  readonly store: CatalogStore;
  readonly sessions: SessionIssuer;
  readonly reports: ReportIntake;
  readonly admin?: AdminApi | undefined;
  readonly log: Log;
};

const sessionPath = /^\/v1\/guests\/([^/]{1,192})\/session$/;
const reportPath = /^\/v1\/clients\/([^/]{1,64})\/report$/;

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
    handle(api, request, response).catch((error: unknown) => {
      const problem = error instanceof HttpProblem ? error : new HttpProblem(500, 'internal', 'internal error');
      if (!(error instanceof HttpProblem)) api.log(`internal error on ${request.method} ${request.url}: ${(error as Error).stack ?? String(error)}`);
      if (!response.headersSent) sendProblem(response, problem, problem.status === 413 ? { connection: 'close' } : {});
    });
  };
}

function requireMethod(request: IncomingMessage, allowed: readonly string[], response: ServerResponse): boolean {
  if (allowed.includes(request.method ?? '')) return true;
  sendProblem(response, new HttpProblem(405, 'bad-request', `use ${allowed.join(' or ')}`), { allow: allowed.join(', ') });
  return false;
}

async function handle(api: Api, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = (request.url ?? '/').split('?')[0] ?? '/';
  if (api.admin?.handles(path)) return api.admin.handle(request, response, path);
  if (path === '/v1/catalog') {
    if (!requireMethod(request, ['GET', 'HEAD'], response)) return;
    const minor = request.headers[protocol.minorHeader] === protocol.minorVersion;
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
    sendJson(response, 200, await api.sessions.issue(id, client));
    api.admin?.sessionIssued(id, client, request.socket.remoteAddress ?? 'unknown');
    return;
  }
  const report = reportPath.exec(path);
  if (report) {
    if (!requireMethod(request, ['POST'], response)) return;
    const mac = decode(report[1] ?? '').toLowerCase();
    await api.reports.receive(request, mac);
    response.writeHead(204).end();
    return;
  }
  throw new HttpProblem(404, 'not-found', `no such resource: ${path.slice(0, 200)}`);
}
