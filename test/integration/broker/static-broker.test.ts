// A static catalog on nginx is a read-only broker: ETag from the web server, a bad catalog
// rejected with the broker's URL and the reason while the previous good one is kept, and no
// session service (guests are used as listed).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CatalogKeeper } from '../../../launcher/broker-client/catalog-keeper.ts';
import { fetchCatalog } from '../../../launcher/broker-client/catalog-fetch.ts';
import { requestSession } from '../../../launcher/broker-client/session-request.ts';
import { useChildren } from '../../support/children.ts';
import { requireLauncher, runLauncher } from '../../support/launcher-binary.ts';
import { startNginx } from '../../support/peers/nginx.ts';
import { useTempDir } from '../../support/temp-dir.ts';

const guest = { id: 'debian', name: 'Debian desktop', os: 'Debian 12', protocol: 'xdmcp', host: '10.0.0.20', port: 177, state: 'running' };
/** The launcher's arguments that keep it to this broker and this cache (no config, no discovery). */
const isolated = (broker: string, cacheDir: string) =>
  ['--cmdline', '/dev/null', '--config', '/dev/null', '--broker', broker, '--set', `cache_dir=${cacheDir}`, '--set', 'discovery_sources='] as const;
const catalog = (guests: readonly unknown[]) => JSON.stringify({ version: 1, broker: { id: 'static', name: 'Static catalog' }, ttl: 60, guests });

describe('a static catalog served by nginx', () => {
  const children = useChildren();
  const dir = useTempDir();
  requireLauncher();
  const options = { caFile: join(dir, 'unused-ca.pem'), timeoutMs: 3000 };

  it('is fetched with If-None-Match, and a bad catalog keeps the previous good one', async () => {
    const nginx = await startNginx(children, dir);
    const file = join(nginx.root, 'v1', 'catalog');
    writeFileSync(file, catalog([guest]));
    const first = await fetchCatalog(nginx.url, options);
    expect(first.kind).toBe('catalog');
    expect((await fetchCatalog(nginx.url, { ...options, etag: first.kind === 'catalog' ? first.etag : undefined })).kind).toBe('not-modified');

    const cacheDir = mkdtempSync(join(dir, 'cache-'));
    const logged: string[] = [];
    const keeper = new CatalogKeeper({ ...options, cacheDir, clientCertificate: undefined }, (line) => logged.push(line));
    expect(await keeper.refresh([nginx.url])).toMatchObject({ online: true, changed: true, catalog: { guests: [{ id: 'debian' }] } });
    expect(await keeper.refresh([nginx.url])).toMatchObject({ online: true, changed: false });

    for (const [bad, reason] of [
      [catalog([{ ...guest, host: 'not a host!' }]), 'catalog rejected: guests[0].host: must be a host name or an IP address'],
      [catalog([guest, guest]), 'catalog rejected: guests[1].id: duplicate guest id "debian"'],
      [catalog([{ ...guest, name: 'x'.repeat(600) }]), 'catalog rejected: guests[0].name: Too big'],
      [catalog([{ ...guest, port: '177' }]), 'catalog rejected: guests[0].port: Invalid input: expected number, received string'],
      ['{"version":1,', 'catalog rejected: not JSON'],
    ] as const) {
      writeFileSync(file, bad);
      const state = await keeper.refresh([nginx.url]);
      expect(state).toMatchObject({ online: false, catalog: { guests: [{ id: 'debian', name: 'Debian desktop' }] } });
      expect(state.failures).toEqual([{ broker: nginx.url, reason: expect.stringContaining(reason) }]);
    }
    expect(logged).toEqual([]);

    const listed = runLauncher(['list', ...isolated(nginx.url, cacheDir)]);
    expect(listed.status).toBe(0);
    expect(listed.stdout).toMatch(/^OFFLINE: /);
    expect(listed.stdout).toContain(`${nginx.url}: catalog rejected: not JSON`);
  });

  it('has no session service: guests are used as listed', async () => {
    const nginx = await startNginx(children, mkdtempSync(join(dir, 'second-')));
    writeFileSync(join(nginx.root, 'v1', 'catalog'), catalog([guest]));
    await expect(requestSession(nginx.url, 'debian', { mac: '52:54:00:12:34:56' }, options)).resolves.toBeUndefined();
  });

  it('never stands in with the catalog address for a guest only a broker answer gives (leased or started)', async () => {
    const nginx = await startNginx(children, mkdtempSync(join(dir, 'third-')));
    const leased = {
      id: 'win',
      name: 'Windows',
      os: 'Windows 10',
      protocol: 'vnc',
      host: '127.0.0.1',
      port: 5999,
      state: 'running',
      use: { sessions: 0, seats: 1 },
    };
    writeFileSync(join(nginx.root, 'v1', 'catalog'), catalog([leased]));
    const cacheDir = mkdtempSync(join(dir, 'cache-'));
    const connect = runLauncher(['connect', 'win', ...isolated(nginx.url, cacheDir)]);
    expect(connect.status).not.toBe(0);
    expect(`${connect.stdout}${connect.stderr}`).toContain('the broker cannot prepare a session on Windows (it has no session service)');
  });
});
