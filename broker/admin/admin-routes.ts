// The admin's HTTP resources, all behind the admin credential (admin-credential.ts):
//   GET /v1/admin/status                 the status as JSON (docs/broker-protocol.md)
//   POST /v1/admin/sessions/{id}/end     ends a session (when its source can)
//   GET /admin/                          the page; without the credential, a login form (401)
//   POST /admin/login, POST /admin/logout
//   GET /admin/section/{name}, /admin/hashes, /admin/events   what the page's script refreshes with
//   GET /admin/admin.css, /admin/admin.js                      its style and script (no data in them)
// A refused request is logged with the address it came from (admin-refusals.ts: a line a minute per
// address and kind, 429 past 20 refusals a minute), never with what it carried. Without
// --admin-token-file all of this answers 404.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpProblem, readBody } from '../http-body.ts';
import type { Log } from '../log.ts';
import type { ActiveSessionSource } from './active-sessions.ts';
import { AdminRefusals } from './admin-refusals.ts';
import { adminCookieName, type AdminCredential, type CredentialCheck } from './admin-credential.ts';
import type { AdminEvents } from './admin-events.ts';
import { renderLogin, renderPage, sectionNames, type SectionName } from './admin-page.ts';
import type { AdminStatusService } from './admin-service.ts';
import { adminCss, adminScript } from './page-assets.ts';

export type AdminRoutes = {
  readonly credential: AdminCredential | undefined;
  readonly service: AdminStatusService;
  readonly events: AdminEvents;
  readonly sessions: ActiveSessionSource;
  readonly log: Log;
  /** https: the login cookie gets Secure. */
  readonly secure: boolean;
};

const pageHeaders = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const;

const endPath = /^\/v1\/admin\/sessions\/([^/]{1,256})\/end$/;
const sectionPath = /^\/admin\/section\/([a-z]{1,16})$/;
const maxLoginBytes = 4096;

/** Whether path is the admin's; the caller sends everything else elsewhere. */
export function isAdminPath(path: string): boolean {
  return path === '/admin' || path.startsWith('/admin/') || path.startsWith('/v1/admin/');
}

function send(response: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string | number>): void {
  response.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

async function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  return new URLSearchParams((await readBody(request, maxLoginBytes)).toString('utf8'));
}

export function adminHandler(routes: AdminRoutes): (request: IncomingMessage, response: ServerResponse, path: string) => Promise<void> {
  const refusals = new AdminRefusals();
  const refuse = (request: IncomingMessage, path: string, why: Exclude<CredentialCheck, 'ok'> | 'wrong token typed') => {
    const reason = why === 'missing' ? 'no credential' : why === 'wrong' ? 'wrong credential' : why;
    const line = refusals.refused(request.socket.remoteAddress ?? 'unknown', `${request.method} ${path.slice(0, 100)}`, reason);
    if (line !== undefined) routes.log(line);
  };
  /** An address that was refused too often this minute is not even checked. */
  const throttle = (request: IncomingMessage) => {
    const address = request.socket.remoteAddress ?? 'unknown';
    const wait = refusals.waitSeconds(address);
    if (wait > 0)
      throw new HttpProblem(429, 'too-many', `too many refused admin requests from ${address}; try again in ${wait} s`, { 'retry-after': String(wait) });
  };
  const cookie = (value: string, maxAge: number) =>
    `${adminCookieName}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${routes.secure ? '; Secure' : ''}`;

  return async (request, response, path) => {
    const { credential } = routes;
    if (credential === undefined) throw new HttpProblem(404, 'not-found', 'the admin status is off: start vdd-broker with --admin-token-file FILE');
    const method = request.method ?? 'GET';
    if (path === '/admin') {
      send(response, 301, '', { location: '/admin/' });
      return;
    }
    if (path === '/admin/admin.css' || path === '/admin/admin.js') {
      const css = path.endsWith('.css');
      send(response, 200, css ? adminCss : adminScript, {
        'content-type': css ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8',
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
      });
      return;
    }
    throttle(request);
    if (path === '/admin/login' && method === 'POST') {
      const token = (await readForm(request)).get('token') ?? '';
      if (!credential.matches(token)) {
        refuse(request, path, 'wrong token typed');
        send(response, 401, renderLogin('That is not the admin token.'), pageHeaders);
        return;
      }
      send(response, 303, '', { location: '/admin/', 'set-cookie': cookie(credential.cookieValue, 12 * 3600), 'cache-control': 'no-store' });
      return;
    }
    if (path === '/admin/logout' && method === 'POST') {
      send(response, 303, '', { location: '/admin/', 'set-cookie': cookie('', 0), 'cache-control': 'no-store' });
      return;
    }
    const check = credential.check(request);
    if (check !== 'ok') {
      refuse(request, path, check);
      if (path === '/admin/' && method === 'GET') {
        send(response, 401, renderLogin(check === 'wrong' ? 'Your login is no longer valid (the token changed): log in again.' : undefined), pageHeaders);
        return;
      }
      throw new HttpProblem(401, 'unauthorized', check === 'missing' ? 'the admin token is required' : 'wrong admin token', {
        'www-authenticate': 'Bearer realm="vdd-broker admin"',
      });
    }
    const ending = endPath.exec(path);
    if (ending) {
      if (method !== 'POST') throw new HttpProblem(405, 'bad-request', 'use POST', { allow: 'POST' });
      // A browser's cookie goes along with any site's form: only the page's own script adds this header.
      if (request.headers.authorization === undefined && request.headers['x-vdd-admin'] !== '1')
        throw new HttpProblem(400, 'bad-request', 'send the header X-VDD-Admin: 1 with a cookie login');
      let id: string;
      try {
        id = decodeURIComponent(ending[1] ?? '');
      } catch {
        throw new HttpProblem(400, 'bad-request', 'badly escaped path');
      }
      if (!(await routes.sessions.end(id))) throw new HttpProblem(404, 'not-found', `no session ${id} that the broker can end`);
      routes.log(`admin: ended session ${id} at the request of ${request.socket.remoteAddress ?? 'unknown'}`);
      send(response, 204, '', {});
      return;
    }
    if (method !== 'GET' && method !== 'HEAD') throw new HttpProblem(405, 'bad-request', 'use GET', { allow: 'GET, HEAD' });
    const snapshot = routes.service.current();
    if (path === '/v1/admin/status') {
      send(response, 200, method === 'HEAD' ? '' : snapshot.json, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      return;
    }
    if (path === '/admin/') {
      const sections = Object.fromEntries(sectionNames.map((name) => [name, snapshot.section(name).html])) as Record<SectionName, string>;
      const hashes = Object.fromEntries(sectionNames.map((name) => [name, snapshot.section(name).hash])) as Record<SectionName, string>;
      send(response, 200, renderPage(snapshot.status, sections, hashes), pageHeaders);
      return;
    }
    if (path === '/admin/hashes') {
      send(response, 200, snapshot.hashes(), { 'content-type': 'application/json', 'cache-control': 'no-store' });
      return;
    }
    if (path === '/admin/events') {
      if (!routes.events.listen(request, response)) throw new HttpProblem(503, 'unavailable', 'too many admin pages are open');
      return;
    }
    const section = sectionPath.exec(path)?.[1];
    if (section !== undefined && (sectionNames as readonly string[]).includes(section)) {
      const rendered = snapshot.section(section as SectionName);
      send(response, 200, rendered.html, { ...pageHeaders, 'x-section-hash': rendered.hash });
      return;
    }
    throw new HttpProblem(404, 'not-found', `no such resource: ${path.slice(0, 200)}`);
  };
}
