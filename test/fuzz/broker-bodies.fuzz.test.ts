// The protocol's other bodies under generated input: session answers as the launcher's real client
// receives them, client reports it sends, and on the other side a real vdd-broker fed generated
// requests (paths, methods, bodies) and generated catalog files. Every answer is a protocol body,
// every failure the module's own typed error in terminal-safe words, and the broker keeps serving.
import { writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CatalogFileError, readCatalogFile } from '../../broker/catalog-file.ts';
import { catalogSchema, errorBodySchema, reportSchema, sessionAnswerSchema, type ClientReport } from '../../common/protocol/broker-protocol.ts';
import { sendReport } from '../../launcher/broker-client/client-report.ts';
import { BrokerError } from '../../launcher/broker-client/http-request.ts';
import { requestSession } from '../../launcher/broker-client/session-request.ts';
import { useChildren } from '../support/children.ts';
import { expectTerminalSafe, fuzzRuns, hostileText } from '../support/fuzz.ts';
import { startVddBroker } from '../support/peers/vdd-broker.ts';
import { useScriptedServer } from '../support/scripted-server.ts';
import { useTempDir } from '../support/temp-dir.ts';

const mostly = <T>(valid: fc.Arbitrary<T>, weight = 12): fc.Arbitrary<unknown> =>
  fc.oneof({ arbitrary: valid, weight }, { arbitrary: fc.oneof(hostileText(60), fc.jsonValue({ maxDepth: 2 }), fc.constant(undefined)), weight: 1 });
const mac = fc
  .array(fc.integer({ min: 0, max: 255 }), { minLength: 6, maxLength: 6 })
  .map((bytes) => bytes.map((b) => b.toString(16).padStart(2, '0')).join(':'));
const client = fc.record(
  { mac: mostly(mac), hostname: mostly(fc.oneof(fc.domain(), fc.constant(''))), ips: mostly(fc.array(fc.oneof(fc.ipV4(), fc.ipV6()), { maxLength: 3 })) },
  { requiredKeys: ['mac'] },
);
const isoDate = fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }).map((date) => date.toISOString());

const sessionAnswer = fc.record(
  {
    state: mostly(fc.constantFrom('running', 'stopped', 'starting', 'unavailable')),
    host: mostly(fc.oneof(fc.domain(), fc.ipV4(), fc.ipV6())),
    port: mostly(fc.integer({ min: 1, max: 65535 })),
    password: mostly(hostileText(20)),
    expiresAt: mostly(isoDate),
  },
  { requiredKeys: ['state', 'host', 'port', 'expiresAt'] },
);

const report = fc.record(
  {
    client,
    launcherVersion: mostly(hostileText(70)),
    sentAt: mostly(isoDate),
    image: mostly(fc.record({ name: mostly(hostileText(70)), version: mostly(hostileText(70)) }, { requiredKeys: ['version'] })),
    update: mostly(
      fc.record(
        {
          state: mostly(fc.constantFrom('current', 'available', 'downloading', 'installed', 'on-trial', 'rolled-back', 'failed')),
          version: mostly(hostileText(70)),
          reason: mostly(hostileText(300)),
          percent: mostly(fc.integer({ min: -5, max: 105 })),
        },
        { requiredKeys: ['state'] },
      ),
    ),
    fitness: mostly(fc.constantFrom('fit', 'fit-with-limits', 'unfit')),
    hardware: mostly(
      fc.dictionary(fc.oneof(fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.-]{0,10}$/), hostileText(10)), fc.oneof(hostileText(40), fc.integer(), fc.boolean()), {
        maxKeys: 8,
      }),
    ),
    sessions: mostly(
      fc.array(
        fc.record({
          guestId: mostly(fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/)),
          protocol: mostly(fc.constantFrom('xdmcp', 'vnc')),
          startedAt: mostly(isoDate),
          seconds: mostly(fc.integer({ min: 0, max: 100_000 })),
          outcome: mostly(fc.constantFrom('ended', 'failed', 'dropped')),
          reason: mostly(hostileText(80)),
          rttMs: mostly(fc.double({ min: 0, max: 1000, noNaN: true })),
          firstFrameMs: mostly(fc.oneof(fc.double({ min: 0, max: 700_000, noNaN: true }), fc.constantFrom(-1, 1e12))),
        }),
        { maxLength: 3 },
      ),
    ),
  },
  { requiredKeys: ['client'] },
);

describe('session answers through the launcher client', async () => {
  const server = await useScriptedServer('http');
  const broker = `http://127.0.0.1:${server.port}/`;
  const body = fc.oneof(
    { arbitrary: sessionAnswer.map((answer) => JSON.stringify(answer)), weight: 4 },
    { arbitrary: fc.json({ maxDepth: 2 }), weight: 1 },
    { arbitrary: hostileText(200), weight: 1 },
    { arbitrary: fc.constant('{"error":{"code":"not-found","message":"no \u001b[2J guest"}}'), weight: 1 },
  );
  const answer = fc.tuple(fc.constantFrom(200, 200, 200, 404, 405, 409, 500, 503), body, fc.boolean()).map(([status, text, truncated]) => {
    const bytes = Buffer.from(text);
    return {
      status,
      text: bytes.toString('utf8'),
      truncated,
      chunks: [Buffer.from(`HTTP/1.1 ${status} X\r\nConnection: close\r\nContent-Length: ${bytes.length + (truncated ? 1 : 0)}\r\n\r\n`), bytes],
    };
  });

  it('are a valid answer or a terminal-safe BrokerError that never quotes the password', async () => {
    await fc.assert(
      fc.asyncProperty(answer, async ({ status, text, truncated, chunks }) => {
        server.play({ chunks, then: 'close' });
        const result = await requestSession(broker, 'g1', { mac: '52:54:00:12:34:56' }, { timeoutMs: 5_000, caFile: '/nonexistent' }).catch(
          (error: unknown) => error,
        );
        if (result instanceof BrokerError) {
          expectTerminalSafe(result.message);
          const password = (() => {
            try {
              return (JSON.parse(text) as { password?: unknown }).password;
            } catch {
              return undefined;
            }
          })();
          if (typeof password === 'string' && password.length >= 4) expect(result.message).not.toContain(password);
        } else if (result instanceof Error) throw result;
        else if (result !== undefined) {
          expect(status === 200 && !truncated).toBe(true);
          expect(sessionAnswerSchema.parse(JSON.parse(text))).toEqual(result);
        } else expect([404, 405]).toContain(status);
      }),
      { numRuns: fuzzRuns },
    );
  });
});

describe('client reports', () => {
  it('leave only when the schema accepts them; otherwise a terminal-safe BrokerError', async () => {
    // Nothing listens on port 9 of loopback: a report that passes the checks fails to connect, one that does not never tries.
    await fc.assert(
      fc.asyncProperty(report, async (generated) => {
        const result = await sendReport('http://127.0.0.1:9/', generated as ClientReport, { timeoutMs: 2_000, caFile: '/nonexistent' }).catch(
          (error: unknown) => error,
        );
        expect(result).toBeInstanceOf(BrokerError);
        const error = result as BrokerError;
        expectTerminalSafe(error.message);
        const valid = reportSchema.safeParse(generated).success;
        expect(error.reason.startsWith('report not sent')).toBe(!valid || JSON.stringify(reportSchema.parse(generated)).length > 64 * 1024);
      }),
      { numRuns: fuzzRuns },
    );
  });
});

describe('vdd-broker under generated requests and catalog files', async () => {
  const children = useChildren();
  const dir = useTempDir();
  const catalogFile = join(dir, 'catalog.json');
  const guest = { name: 'G', os: 'OS', protocol: 'vnc', host: '127.0.0.1', port: 5999, state: 'running' };
  writeFileSync(
    catalogFile,
    JSON.stringify({
      version: 1,
      broker: { id: 'fuzz', name: 'Fuzz' },
      ttl: 30,
      guests: [
        { ...guest, id: 'plain' },
        { ...guest, id: 'secret', auth: 'vnc-password', passwordFile: join(dir, 'secret.passwd') },
        { ...guest, id: 'off', state: 'stopped', startable: true },
      ],
    }),
  );
  const tokenFile = join(dir, 'admin-token');
  writeFileSync(tokenFile, 'fuzz-admin-token-0123456789\n');
  const broker = await startVddBroker(children, catalogFile, {
    extraArgs: ['--probe-interval', '0', '--reports', join(dir, 'reports.jsonl'), '--admin-token-file', tokenFile],
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });

  const segment = fc.oneof(
    fc.constantFrom('plain', 'secret', 'off', 'nope', '%', '%E0%A4%A', '%00', '..', '52:54:00:12:34:56', '52%3A54%3A00%3A12%3A34%3A56', 'AA:BB:CC:DD:EE:FF'),
    hostileText(40).map((text) => encodeURIComponent(Buffer.from(text).toString('utf8'))),
    fc.uint8Array({ maxLength: 30 }).map((bytes) => [...bytes].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('')),
  );
  const path = fc.oneof(
    segment.map((id) => `/v1/guests/${id}/session`),
    segment.map((m) => `/v1/clients/${m}/report`),
    fc.tuple(segment, fc.constantFrom('renew', 'hold', 'end', 'steal')).map(([id, action]) => `/v1/leases/${id}/${action}`),
    fc.constantFrom('/v1/catalog', '/v1/catalog?x=1', '/', '/v1/', '/v1/guests//session'),
    fc.constantFrom(
      '/v1/admin/status',
      '/admin/',
      '/admin',
      '/admin/login',
      '/admin/logout',
      '/admin/hashes',
      '/admin/section/pcs',
      '/admin/section/x',
      '/admin/admin.js',
    ),
    segment.map((id) => `/v1/admin/sessions/${id}/end`),
    hostileText(60).map((text) => `/${encodeURIComponent(Buffer.from(text).toString('utf8'))}`),
  );
  const requestBody = fc.oneof(
    fc.record({ client }).map((value) => JSON.stringify(value)),
    report.map((value) => JSON.stringify(value)),
    fc.json({ maxDepth: 3 }),
    hostileText(200),
    fc.constant('{"client":{"mac":"52:54:00:12:34:56"}}'),
    fc
      .record({ token: fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{16,40}$/), hostileText(30)), guest: fc.option(fc.constantFrom('plain', 'secret', '..')) })
      .map((value) => JSON.stringify(value)),
    fc.integer({ min: 4 * 1024, max: 80 * 1024 }).map((size) => `{"client":{"mac":"52:54:00:12:34:56","hostname":"${'a'.repeat(size)}"}}`),
  );
  const authorization = fc.oneof(
    fc.constant(undefined),
    fc.constant('Bearer fuzz-admin-token-0123456789'),
    hostileText(40).map((text) => `Bearer ${text.replace(/[^\x21-\x7e]/g, 'x')}`),
  );
  const exchange = fc.record({ method: fc.constantFrom('GET', 'POST', 'POST', 'POST', 'PUT', 'HEAD', 'DELETE'), path, body: requestBody, authorization });

  const send = (method: string, target: string, body: string, authorization?: string) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const withBody = method !== 'GET' && method !== 'HEAD';
      // Content-Length always: Node's client sends a DELETE body unframed, which the broker then reads as a bad next request.
      const headers = {
        'content-type': 'application/json',
        'content-length': String(withBody ? Buffer.byteLength(body) : 0),
        ...(authorization === undefined ? {} : { authorization }),
      };
      const outgoing = request({ host: '127.0.0.1', port: broker.port, method, path: target, agent, headers }, (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => resolve({ status: answer.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        answer.on('error', reject);
      });
      outgoing.on('error', reject);
      outgoing.end(withBody ? body : undefined);
    });

  it('answers every request with a protocol body and never an internal error', async () => {
    await fc.assert(
      fc.asyncProperty(exchange, async ({ method, path: target, body, authorization: credential }) => {
        let answer: Awaited<ReturnType<typeof send>>;
        try {
          answer = await send(method, target, body, credential);
        } catch (error) {
          // The broker closes the connection after refusing an oversized body: that is its answer.
          if (Buffer.byteLength(body) > 4 * 1024 && ['ECONNRESET', 'EPIPE'].includes((error as NodeJS.ErrnoException).code ?? '')) return;
          throw error;
        }
        expect(answer.status).not.toBe(500);
        const admin = target.startsWith('/admin') || target.startsWith('/v1/admin/');
        // The admin's data only with its token; its pages are HTML.
        if (admin && answer.status === 200 && credential !== 'Bearer fuzz-admin-token-0123456789') expect(target).toMatch(/^\/admin\/admin\.(js|css)$/);
        if (admin && answer.status < 400) return;
        if (admin && answer.text.startsWith('<!doctype html>')) {
          expect(answer.status).toBe(401);
          return;
        }
        if (method === 'HEAD') expect(answer.text).toBe('');
        else if (answer.status === 200 && target.startsWith('/v1/catalog')) expect(catalogSchema.safeParse(JSON.parse(answer.text)).success).toBe(true);
        else if (answer.status === 200) expect(sessionAnswerSchema.safeParse(JSON.parse(answer.text)).success).toBe(true);
        else if (answer.status !== 204 && answer.status !== 304) expect(errorBodySchema.safeParse(JSON.parse(answer.text)).success).toBe(true);
      }),
      { numRuns: fuzzRuns },
    );
    agent.destroy();
    expect(broker.child.running).toBe(true);
    expect(broker.child.log).not.toMatch(/internal error/);
  });

  it('takes a catalog file it accepts into a valid served catalog, and refuses any other with CatalogFileError', () => {
    const file = join(dir, 'generated.json');
    const fileGuest = fc.record(
      {
        id: mostly(fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/)),
        name: mostly(hostileText(80), 4),
        os: mostly(hostileText(20), 4),
        protocol: mostly(fc.constantFrom('xdmcp', 'vnc')),
        host: mostly(fc.oneof(fc.domain(), fc.ipV4())),
        port: mostly(fc.integer({ min: 1, max: 65535 })),
        state: fc.option(fc.constantFrom('running', 'stopped')),
        auth: fc.option(fc.constantFrom('none', 'vnc-password')),
        passwordFile: fc.option(fc.oneof(fc.constant('/srv/x.passwd'), hostileText(20))),
      },
      { requiredKeys: ['id', 'name', 'os', 'protocol', 'host', 'port'] },
    );
    const fileText = fc.oneof(
      fc
        .record({
          version: mostly(fc.constant(1)),
          broker: mostly(fc.constant({ id: 'b', name: 'B' })),
          ttl: mostly(fc.constant(30)),
          guests: fc.array(fileGuest, { maxLength: 4 }),
        })
        .map((value) => JSON.stringify(value)),
      fc.json({ maxDepth: 3 }),
      hostileText(200),
    );
    fc.assert(
      fc.property(fileText, (text) => {
        writeFileSync(file, text);
        try {
          const parsed = readCatalogFile(file);
          const served = { ...parsed.catalog, guests: parsed.guests.map((entry) => entry.guest) };
          expect(catalogSchema.safeParse(JSON.parse(JSON.stringify(served))).success).toBe(true);
          for (const entry of parsed.guests) expect(entry.guest).not.toHaveProperty('passwordFile');
        } catch (error) {
          if (!(error instanceof CatalogFileError)) throw error;
          expectTerminalSafe(error.message);
        }
      }),
      { numRuns: fuzzRuns },
    );
  });
});
