// Catalogs are what a broker (or anyone answering in its place) sends: every generated document is
// either a valid catalog whose shown text is terminal-safe, or a BrokerError that says why in
// terminal-safe words. The same through the real HTTP client against a server answering generated
// bytes, and through the cache file; huge answers are refused without being read into memory.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { catalogCachePath, readCatalogCache, writeCatalogCache } from '../../launcher/broker-client/catalog-cache.ts';
import { fetchCatalog, parseCatalog } from '../../launcher/broker-client/catalog-fetch.ts';
import { catalogLimits, type Catalog } from '../../common/protocol/broker-protocol.ts';
import { BrokerError } from '../../launcher/broker-client/http-request.ts';
import { isHost } from '../../common/net/host.ts';
import { expectTerminalSafe, fuzzRuns, hostileText } from '../support/fuzz.ts';
import { useScriptedServer } from '../support/scripted-server.ts';
import { useTempDir } from '../support/temp-dir.ts';

/** Mostly a valid value, sometimes anything (or nothing): so generated catalogs often pass and carry hostile text further in. */
const mostly = <T>(valid: fc.Arbitrary<T>, weight = 15): fc.Arbitrary<unknown> =>
  fc.oneof({ arbitrary: valid, weight }, { arbitrary: fc.oneof(hostileText(80), fc.jsonValue({ maxDepth: 2 }), fc.constant(undefined)), weight: 1 });
const validId = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,20}$/);
const validHost = fc.oneof(fc.domain(), fc.ipV4(), fc.ipV6());

const guest = fc
  .tuple(
    fc.record({
      id: mostly(validId),
      name: mostly(hostileText(300), 5),
      os: mostly(hostileText(70), 5),
      protocol: mostly(fc.constantFrom('xdmcp', 'vnc')),
      host: mostly(validHost),
      port: mostly(fc.integer({ min: 1, max: 65535 })),
      state: mostly(fc.constantFrom('running', 'stopped', 'starting', 'unavailable')),
    }),
    fc.record(
      { display: mostly(fc.integer({ min: 0, max: 99 })), startable: mostly(fc.boolean()), auth: mostly(fc.constantFrom('none', 'vnc-password')) },
      { requiredKeys: [] },
    ),
    fc.option(fc.dictionary(hostileText(10), fc.jsonValue({ maxDepth: 1 }), { minKeys: 1, maxKeys: 2 }), { freq: 20 }),
  )
  .map(([required, optional, extra]) => ({ ...required, ...optional, ...extra }));

const catalogDocument = fc.record(
  {
    version: mostly(fc.constant(1)),
    broker: mostly(fc.record({ id: mostly(validId), name: mostly(hostileText(300), 3) })),
    ttl: mostly(fc.integer({ min: 1, max: 86_400 })),
    guests: mostly(fc.array(guest, { maxLength: 6 })),
  },
  { requiredKeys: ['version', 'broker', 'ttl', 'guests'] },
);

/** Catalog-shaped JSON, any JSON, any text, and JSON cut short. */
const catalogText = fc.oneof(
  { arbitrary: catalogDocument.map((document) => JSON.stringify(document)), weight: 5 },
  { arbitrary: fc.json({ maxDepth: 3 }), weight: 1 },
  { arbitrary: hostileText(400), weight: 1 },
  {
    arbitrary: fc.tuple(catalogDocument, fc.nat()).map(([document, cut]) => {
      const text = JSON.stringify(document);
      return text.slice(0, cut % (text.length + 1));
    }),
    weight: 1,
  },
);

/** The catalog is valid, and everything of it a menu shows is terminal-safe. */
function expectShownSafe(catalog: Catalog): void {
  expectTerminalSafe(catalog.broker.name);
  for (const g of catalog.guests) {
    expectTerminalSafe(g.name);
    expectTerminalSafe(g.os);
    expect(g.name.length).toBeLessThanOrEqual(catalogLimits.maxNameLength);
    if (g.host !== undefined) expect(isHost(g.host)).toBe(true);
    expect(g.id).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/);
  }
}

/** parseCatalog's answer: the catalog, or the BrokerError (anything else is rethrown, failing the property). */
function parsed(text: string): Catalog | BrokerError {
  try {
    return parseCatalog('http://broker.test/v1/catalog', text);
  } catch (error) {
    if (error instanceof BrokerError) return error;
    throw error;
  }
}

describe('catalog documents', () => {
  it('parse into a terminal-safe catalog or a terminal-safe BrokerError', () => {
    let accepted = 0;
    fc.assert(
      fc.property(catalogText, (text) => {
        const result = parsed(text);
        if (result instanceof BrokerError) expectTerminalSafe(result.message);
        else {
          accepted += 1;
          expectShownSafe(result);
        }
      }),
      { numRuns: fuzzRuns },
    );
    // The generator must reach the success path too, or the shown-text checks prove nothing.
    expect(accepted).toBeGreaterThan(fuzzRuns / 50);
  });
});

describe('the catalog cache file', () => {
  const dir = useTempDir();

  it('is read back as a valid catalog, or ignored with a terminal-safe problem', () => {
    const cacheText = fc.oneof(
      catalogText,
      fc
        .tuple(catalogText, fc.oneof(fc.string({ maxLength: 40 }), fc.constant('http://b/')), fc.oneof(fc.nat(), fc.double(), hostileText(20)))
        .map(
          ([catalog, broker, savedAt]) =>
            `{"format":"vdd-catalog-cache-1","broker":${JSON.stringify(broker)},"savedAt":${JSON.stringify(savedAt) ?? 0},"catalog":${catalog}}`,
        ),
    );
    fc.assert(
      fc.property(cacheText, (text) => {
        writeFileSync(catalogCachePath(dir), text);
        const { cached, problem } = readCatalogCache(dir);
        if (problem !== undefined) expectTerminalSafe(problem);
        else if (cached !== undefined) expectShownSafe(cached.catalog);
      }),
      { numRuns: fuzzRuns },
    );
  });

  it('keeps every valid catalog exactly as it was saved', () => {
    const own = join(dir, 'round-trip');
    fc.assert(
      fc.property(catalogText, (text) => {
        const catalog = parsed(text);
        if (catalog instanceof BrokerError) return;
        writeCatalogCache(own, { catalog, broker: 'http://b/', etag: '"1"', savedAt: 5 });
        expect(readCatalogCache(own).cached?.catalog).toEqual(catalog);
      }),
      { numRuns: fuzzRuns },
    );
  });

  it('refuses a huge cache file without reading it', () => {
    writeFileSync(catalogCachePath(dir), Buffer.alloc(catalogLimits.maxBytes + 8192, 0x20));
    const { cached, problem } = readCatalogCache(dir);
    expect(cached).toBeUndefined();
    expect(problem).toMatch(/larger than \d+ bytes/);
  });
});

describe('catalogs through the HTTP client', async () => {
  const server = await useScriptedServer('http');
  const broker = `http://127.0.0.1:${server.port}/`;
  const timeoutMs = 5_000;

  /** An HTTP answer: well formed with a generated status, headers and body, or broken in one of the ways peers break it. */
  const answer = fc
    .record({
      status: fc.oneof({ arbitrary: fc.constant(200), weight: 5 }, { arbitrary: fc.constantFrom(204, 304, 404, 500, 302, 999, 0), weight: 1 }),
      body: catalogText,
      length: fc.constantFrom('exact', 'short', 'long', 'chunked', 'none', 'garbage'),
      extraHeader: fc.oneof(
        fc.constant(''),
        hostileText(60).map((text) => `X-Hostile: ${text}\r\n`),
        fc.constant('ETag: "\u001b[2J"\r\n'),
      ),
      split: fc.integer({ min: 1, max: 64 }),
      then: fc.constantFrom('close', 'close', 'reset'),
    })
    .map(({ status, body, length, extraHeader, split, then }) => {
      const bytes = Buffer.from(body);
      let head = `HTTP/1.1 ${status} Whatever\r\nContent-Type: application/json\r\nConnection: close\r\n${extraHeader}`;
      let payload = bytes;
      if (length === 'exact') head += `Content-Length: ${bytes.length}\r\n`;
      if (length === 'short') head += `Content-Length: ${Math.max(0, bytes.length - split)}\r\n`;
      if (length === 'long') head += `Content-Length: ${bytes.length + split}\r\n`;
      if (length === 'garbage') head += `Content-Length: -${split}x\r\n`;
      if (length === 'chunked') {
        head += 'Transfer-Encoding: chunked\r\n';
        payload = Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from(split % 2 === 0 ? '\r\n0\r\n\r\n' : '\r\n')]);
      }
      const whole = Buffer.concat([Buffer.from(`${head}\r\n`), payload]);
      const chunks = [];
      for (let at = 0; at < whole.length; at += split * 16) chunks.push(whole.subarray(at, at + split * 16));
      const wellFormed = status === 200 && length === 'exact' && then === 'close' && extraHeader === '';
      // What the client receives: lone surrogates do not survive UTF-8.
      return { script: { chunks, then } as const, body: bytes.toString('utf8'), wellFormed };
    });

  it('gives a valid catalog or a terminal-safe BrokerError, and never hangs', async () => {
    await fc.assert(
      fc.asyncProperty(answer, async ({ script, body, wellFormed }) => {
        server.play(script);
        let hang: NodeJS.Timeout | undefined;
        const deadline = new Promise<'hang'>((resolve) => (hang = setTimeout(() => resolve('hang'), timeoutMs + 2_000)));
        const outcome = fetchCatalog(broker, { timeoutMs, caFile: '/nonexistent' }).then(
          (fetched) => ({ fetched }),
          (error: unknown) => ({ error }),
        );
        const result = await Promise.race([outcome, deadline]);
        clearTimeout(hang);
        if (result === 'hang') expect.fail(`no answer and no error within ${timeoutMs + 2_000} ms`);
        if ('error' in result) {
          if (!(result.error instanceof BrokerError)) throw result.error;
          expectTerminalSafe(result.error.message);
          // A well-formed answer with a valid catalog must never be lost.
          if (wellFormed) expect(parsed(body)).toBeInstanceOf(BrokerError);
        } else if (result.fetched.kind === 'catalog') {
          expectShownSafe(result.fetched.catalog);
          expect(result.fetched.catalog).toEqual(parsed(body));
        }
      }),
      { numRuns: fuzzRuns },
    );
  });

  it('gives up at broker_timeout when the broker stops in the middle of an answer', async () => {
    const stalled = fc.tuple(catalogText, fc.nat()).map(([body, cut]) => {
      const whole = Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(body) + 1}\r\n\r\n${body}`);
      return { chunks: [whole.subarray(0, cut % whole.length)], then: 'stall' as const };
    });
    await fc.assert(
      fc.asyncProperty(stalled, async (script) => {
        server.play(script);
        const error = await fetchCatalog(broker, { timeoutMs: 50, caFile: '/nonexistent' }).catch((failure: unknown) => failure);
        expect(error).toBeInstanceOf(BrokerError);
        expect((error as BrokerError).reason).toMatch(/no answer within 50 ms/);
      }),
      { numRuns: Math.max(10, Math.round(fuzzRuns / 500)) },
    );
  });

  it('refuses an endless answer after the size limit, without reading the rest', async () => {
    const piece = Buffer.alloc(64 * 1024, 0x20);
    const endless = Array.from({ length: 512 }, () => piece); // 32 MiB, four times the limit
    for (const head of ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', 'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n']) {
      const chunked = head.includes('chunked');
      server.play({
        chunks: [
          Buffer.from(head),
          ...endless.map((chunk) => (chunked ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]) : chunk)),
        ],
        then: 'close',
      });
      const error = await fetchCatalog(broker, { timeoutMs: 20_000, caFile: '/nonexistent' }).catch((failure: unknown) => failure);
      expect((error as BrokerError).reason).toMatch(`larger than the limit of ${catalogLimits.maxBytes} bytes`);
      expect(server.bytesWritten).toBeLessThan(piece.length * endless.length);
    }
    server.play({ chunks: [Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${catalogLimits.maxBytes + 1}\r\n\r\n`)], then: 'stall' });
    const declared = await fetchCatalog(broker, { timeoutMs: 20_000, caFile: '/nonexistent' }).catch((failure: unknown) => failure);
    expect((declared as BrokerError).reason).toMatch(`answer of ${catalogLimits.maxBytes + 1} bytes is larger than the limit`);
  });
});
