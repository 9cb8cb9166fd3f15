// The menu's catalog feed against a real vdd-broker: the cached catalog for the first frame, the
// live one, the kept one marked offline with a retry time when the broker dies, and back online
// when it returns on the same address.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../launcher/config/load.ts';
import { createCatalogFeed } from '../../../launcher/menu/catalog-feed.ts';
import type { CatalogSnapshot } from '../../../launcher/menu/ports.ts';
import { useChildren, waitFor } from '../../support/children.ts';
import { startVddBroker } from '../../support/peers/vdd-broker.ts';
import { useTempDir } from '../../support/temp-dir.ts';

describe('the menu catalog feed', () => {
  const children = useChildren();
  const dir = useTempDir();

  it('goes online, offline with a retry when the broker dies, and online again', async () => {
    const catalogFile = join(dir, 'catalog.json');
    writeFileSync(
      catalogFile,
      JSON.stringify({
        version: 1,
        broker: { id: 'f', name: 'Feed' },
        ttl: 30,
        guests: [{ id: 'debian', name: 'Debian', os: 'Debian 12', protocol: 'xdmcp', host: '127.0.0.1', port: 177, state: 'running' }],
      }),
    );
    const first = await startVddBroker(children, catalogFile, { extraArgs: ['--probe-interval', '0'] });
    const set = (key: string, value: string) => ({ key, name: key, value, source: { kind: 'flag', flag: '--set' } as const });
    const loaded = loadConfig({
      configFiles: [],
      cmdlineFile: '/dev/null',
      env: {},
      flags: [
        { key: 'broker', name: 'broker', value: first.url, source: { kind: 'flag', flag: '--broker' } },
        set('cache_dir', join(dir, 'cache')),
        set('discovery_sources', ''),
      ],
      identity: { macs: [], ips: [], hostname: 'test' },
    });
    const snapshots: CatalogSnapshot[] = [];
    const feed = createCatalogFeed(loaded, {});
    expect(feed.cached()).toBeUndefined();
    feed.start((snapshot) => snapshots.push(snapshot));
    try {
      await waitFor('the live catalog', () => snapshots.at(-1)?.status.online);
      expect(snapshots.at(-1)).toMatchObject({ guests: [{ id: 'debian' }], status: { online: true, broker: first.url } });
      expect(feed.describeBroker()).toBe(`${first.url} (--broker)`);
      expect(createCatalogFeed(loaded, {}).cached()).toMatchObject({
        guests: [{ id: 'debian' }],
        status: { online: false, broker: first.url, error: expect.stringMatching(/^checking the broker \(list saved /) },
      });

      await first.child.kill();
      feed.refresh();
      const offline = await waitFor('the offline snapshot', () => snapshots.find((snapshot) => !snapshot.status.online));
      expect(offline).toMatchObject({
        guests: [{ id: 'debian' }],
        status: { online: false, broker: first.url, error: expect.stringContaining('connection refused') },
      });
      expect(offline.status.retryAt).toBeGreaterThan(performance.now() - 1000);

      await startVddBroker(children, catalogFile, { port: first.port, extraArgs: ['--probe-interval', '0'] });
      await waitFor('the retry to find the broker again', () => snapshots.at(-1)?.status.online, { timeoutMs: 15_000 });
    } finally {
      feed.stop();
    }
  });
});
