// Catalog validation and bounds, the cache file, the retry delays: the client's pure parts.
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { retryDelayMs } from '../../../launcher/broker-client/backoff.ts';
import { brokerResource } from '../../../launcher/broker-client/broker-url.ts';
import { readCatalogCache, writeCatalogCache } from '../../../launcher/broker-client/catalog-cache.ts';
import { parseCatalog } from '../../../launcher/broker-client/catalog-fetch.ts';
import { catalogLimits, protocol, reportSchema } from '../../../common/protocol/broker-protocol.ts';
import { useTempDir } from '../../support/temp-dir.ts';

const guest = { id: 'debian', name: 'Debian', os: 'Debian 12', protocol: 'xdmcp', host: '10.0.0.20', port: 177, state: 'running' };
const document = (guests: unknown[]) => JSON.stringify({ version: 1, broker: { id: 'lab', name: 'Lab' }, ttl: 30, guests });

describe('catalog validation', () => {
  it('strips escape sequences and control characters from names', () => {
    const catalog = parseCatalog('http://b/', document([{ ...guest, name: 'Evil\x1b]0;pwned\x07 \x1b[31mred\x1b[0m\ttab' }]));
    expect(catalog.guests[0]?.name).toBe('Evil red tab');
  });

  it.each([
    ['a host that is neither a name nor an address', [{ ...guest, host: 'exa mple' }], 'guests[0].host: must be a host name or an IP address'],
    ['a duplicate id', [guest, guest], 'guests[1].id: duplicate guest id "debian"'],
    ['an unknown key', [{ ...guest, extra: 1 }], 'guests[0]: Unrecognized key: "extra"'],
    ['a port out of range', [{ ...guest, port: 70000 }], 'guests[0].port: Too big'],
    ['a bad id', [{ ...guest, id: '../etc' }], 'guests[0].id: must be 1-64 letters'],
    ['an unknown protocol', [{ ...guest, protocol: 'rdp' }], 'guests[0].protocol'],
  ])('rejects %s, naming the broker', (_what, guests, reason) => {
    expect(() => parseCatalog('http://lab:8080/v1/catalog', document(guests))).toThrow(`http://lab:8080/v1/catalog: catalog rejected: ${reason}`);
  });

  it('rejects more guests than the limit', () => {
    const many = Array.from({ length: catalogLimits.maxGuests + 1 }, (_, i) => ({ ...guest, id: `g${i}` }));
    expect(() => parseCatalog('http://b/', document(many))).toThrow('catalog rejected: guests: Too big');
  });

  it('resolves protocol paths below the broker base URL', () => {
    expect(brokerResource('https://b:8443/lab', protocol.catalogPath).href).toBe('https://b:8443/lab/v1/catalog');
    expect(brokerResource('http://b/', protocol.sessionPath('a b')).href).toBe('http://b/v1/guests/a%20b/session');
  });

  it('bounds client reports', () => {
    const client = { mac: '52:54:00:12:34:56' };
    expect(reportSchema.safeParse({ client, hardware: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, i])) }).success).toBe(false);
    expect(reportSchema.safeParse({ client: { mac: '52-54-00-12-34-56' } }).success).toBe(false);
    expect(reportSchema.safeParse({ client, hardware: { cpu: 'P4', ramMb: 512, pae: true } }).success).toBe(true);
  });
});

describe('the catalog cache', () => {
  const dir = useTempDir();
  const catalog = parseCatalog('test', document([guest]));

  it('round-trips and leaves no temporary file', () => {
    const cacheDir = join(dir, 'a', 'b');
    writeCatalogCache(cacheDir, { catalog, broker: 'http://b/', etag: '"x"', savedAt: 1000 });
    expect(readCatalogCache(cacheDir)).toEqual({ cached: { catalog, broker: 'http://b/', etag: '"x"', savedAt: 1000 } });
    expect(readdirSync(cacheDir)).toEqual(['catalog.json']);
  });

  it('ignores a damaged or foreign file with a message, and says nothing when there is none', () => {
    const cacheDir = join(dir, 'damaged');
    writeCatalogCache(cacheDir, { catalog, broker: 'http://b/', savedAt: 1 });
    writeFileSync(join(cacheDir, 'catalog.json'), '{"format":"vdd-catalog-cache-1","broker":"http://b/","savedAt":1,"catalog":{"version":2}}');
    expect(readCatalogCache(cacheDir).problem).toMatch(/^ignoring the cached catalog .*catalog\.json: catalog\.version: /);
    writeFileSync(join(cacheDir, 'catalog.json'), '\0\0\0');
    expect(readCatalogCache(cacheDir).problem).toMatch(/not JSON/);
    expect(readCatalogCache(join(dir, 'none'))).toEqual({});
  });
});

describe('retry delays', () => {
  it('double from one second to a minute, with jitter of a fifth either way', () => {
    expect([1, 2, 3, 7, 50].map((failures) => retryDelayMs(failures, () => 0.5))).toEqual([1000, 2000, 4000, 60_000, 60_000]);
    expect(retryDelayMs(1, () => 0)).toBe(800);
    expect(retryDelayMs(1, () => 0.999_999)).toBe(1200);
  });
});
