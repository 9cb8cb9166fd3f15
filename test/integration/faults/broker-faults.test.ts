// Broker faults with the menu open: the real single executable in tmux against a real vdd-broker
// that dies and comes back, answers too slowly or cut short (a proxy breaks the link), shows a
// certificate the site CA did not sign or one not valid yet, or changes its catalog every second.
// Every fault must end with the list still usable, the cache intact, and the menu back online by
// itself once the broker is healthy again.
import { chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCatalogCache, writeCatalogCache } from '../../../launcher/broker-client/catalog-cache.ts';
import { fetchCatalog } from '../../../launcher/broker-client/catalog-fetch.ts';
import type { Guest } from '../../../common/protocol/broker-protocol.ts';
import { catalogOf, startBroker, testGuest } from '../../support/broker.ts';
import { useChildren, waitFor } from '../../support/children.ts';
import { useFaultProxy } from '../../support/fault-proxy.ts';
import { isolatedArgs, launcherPath, requireLauncher } from '../../support/launcher-binary.ts';
import { makeTestCa } from '../../support/peers/test-ca.ts';
import { useTempDir } from '../../support/temp-dir.ts';
import { useTerminals } from '../../support/tmux.ts';

const children = useChildren();
const terminal = useTerminals();
const dir = useTempDir();
chmodSync(dir, 0o755);
requireLauncher();

const guests = [
  testGuest('debian', { name: 'Debian desktop', os: 'Debian 12', protocol: 'xdmcp', port: 177 }),
  testGuest('winxp', { name: 'Windows XP', os: 'Windows' }),
  testGuest('reactos', { name: 'ReactOS', os: 'ReactOS', state: 'stopped' }),
];
let menus = 0;

function openMenu(broker: string, sets: readonly string[] = []) {
  const cache = join(dir, `cache-${++menus}`);
  const args = [launcherPath, ...isolatedArgs(cache), '--broker', broker, ...['menu_timeout=0', ...sets].flatMap((set) => ['--set', set])];
  return { cache, menu: terminal(args, { columns: 160, rows: 25, term: 'linux' }) };
}

/** The broker line once the menu is online again, with nothing but the broker on it. */
const onlineLine = (url: string) => new RegExp(`Broker: ${url.replace(/[.:/]/g, '\\$&')}\\s*\\n`);

describe('the menu when the broker fails', () => {
  it('goes offline with the list when the broker is killed, and online again by itself when it restarts', async () => {
    const broker = await startBroker(children, dir, guests, { ttl: 1 });
    const { menu, cache } = openMenu(broker.url);
    await menu.waitForText(onlineLine(broker.url));
    await broker.child.kill();
    // No key: the next refresh (a ttl of 1 s means every 5 s) finds it gone.
    const offline = await menu.waitForText('OFFLINE', 15_000);
    expect(offline).toMatch(/connection refused/);
    expect(offline).toMatch(/1 Debian desktop .* running\?/);
    expect(readCatalogCache(cache).cached?.catalog.guests.map((guest) => guest.id)).toEqual(['debian', 'winxp', 'reactos']);

    await startBroker(children, dir, guests, { ttl: 1, port: Number(new URL(broker.url).port) });
    const back = await menu.waitForText(onlineLine(broker.url), 20_000);
    expect(back).not.toContain('OFFLINE');
    expect(back).toMatch(/1 Debian desktop +Debian 12 +xdmcp running\s/);
  });

  it('gives up at broker_timeout on a slow broker, stays usable while waiting, and recovers', async () => {
    const broker = await startBroker(children, dir, guests);
    const proxy = await useFaultProxy(Number(new URL(broker.url).port));
    const { menu } = openMenu(proxy.url, ['broker_timeout=1500']);
    await menu.waitForText(onlineLine(proxy.url));
    proxy.set({ kind: 'slow', delayMs: 5_000 });
    menu.send('r');
    // While the request hangs, keys still move the cursor.
    menu.send('Down');
    await expect.poll(() => menu.inverseLines().join('\n')).toContain('Windows XP');
    const offline = await menu.waitForText('OFFLINE');
    expect(offline).toContain('no answer within 1500 ms (config key broker_timeout)');
    expect(offline).toMatch(/2 Windows XP/);
    expect(menu.inverseLines().join('\n')).toContain('Windows XP');

    proxy.set({ kind: 'none' });
    await menu.waitForText(onlineLine(proxy.url), 15_000);
  });

  it('refuses a catalog cut short and keeps the last good one, on screen and in the cache', async () => {
    const broker = await startBroker(children, dir, guests);
    const proxy = await useFaultProxy(Number(new URL(broker.url).port));
    const { menu, cache } = openMenu(proxy.url);
    await menu.waitForText(onlineLine(proxy.url));
    const saved = readFileSync(join(cache, 'catalog.json'), 'utf8');
    broker.setGuests([...guests, testGuest('extra', { name: 'Extra desktop' })]);
    await waitFor('the broker to serve the new catalog', async () => {
      const answer = await fetchCatalog(broker.url, { timeoutMs: 2_000, caFile: '/nonexistent' });
      return answer.kind === 'catalog' && answer.catalog.guests.length === 4;
    });
    proxy.set({ kind: 'truncate', afterBytes: 300 });
    menu.send('r');
    const offline = await menu.waitForText('OFFLINE');
    expect(offline).toMatch(/the answer was cut short after \d+ bytes/);
    expect(offline).not.toContain('Extra desktop');
    expect(offline).toMatch(/3 ReactOS/);
    expect(readFileSync(join(cache, 'catalog.json'), 'utf8')).toBe(saved);

    proxy.set({ kind: 'none' });
    await menu.waitForText('Extra desktop', 15_000);
  });

  it('keeps the cursor on the same guest while the catalog changes every second', async () => {
    const many: Guest[] = ['alpha', 'bravo', 'charlie', 'delta', 'echo'].map((id) => testGuest(id, { name: `Desktop ${id}` }));
    const broker = await startBroker(children, dir, many, { ttl: 1 });
    const { menu } = openMenu(broker.url);
    await menu.waitForText('Desktop echo');
    menu.send(['Down', 'Down']);
    await expect.poll(() => menu.inverseLines().join('\n')).toContain('Desktop charlie');
    let round = 0;
    const churn = setInterval(() => {
      round += 1;
      // Rotate the order, rename another guest, drop and add one: charlie always stays.
      const rotated = [...many.slice(round % many.length), ...many.slice(0, round % many.length)];
      broker.setGuests([
        ...rotated
          .filter((guest) => guest.id !== 'bravo' || round % 2 === 0)
          .map((guest) => (guest.id === 'alpha' ? { ...guest, name: `Desktop alpha ${round}` } : guest)),
        testGuest(`new${round}`, { name: `Desktop new ${round}` }),
      ]);
    }, 1000);
    try {
      const seen = new Set<string>();
      for (let check = 0; check < 6; check++) {
        await new Promise((resolve) => setTimeout(resolve, 700));
        menu.send('r');
        const screen = await menu.waitForText(`Desktop new ${round}`, 5_000).catch(() => menu.screen());
        seen.add(
          screen
            .split('\n')
            .filter((row) => /Desktop /.test(row))
            .map((row) => row.trim())
            .join('|'),
        );
        expect(menu.inverseLines().join('\n')).toContain('Desktop charlie');
      }
      // The list really changed under the cursor.
      expect(seen.size).toBeGreaterThan(2);
    } finally {
      clearInterval(churn);
    }
  });
});

describe('the menu with a broker certificate it must not trust', () => {
  it('refuses a broker whose certificate the site CA did not sign, showing the cached list offline', async () => {
    const site = makeTestCa(dir, 'site', ['127.0.0.1']);
    const other = makeTestCa(dir, 'other', ['127.0.0.1']);
    const broker = await startBroker(children, dir, [testGuest('impostor', { name: 'Impostor desktop' })], {
      tls: { certFile: other.certFile, keyFile: other.keyFile },
    });
    const cache = join(dir, 'cache-ca');
    writeCatalogCache(cache, { catalog: catalogOf(guests), broker: broker.url, savedAt: Date.now() - 60_000 });
    const menu = terminal([launcherPath, ...isolatedArgs(cache), '--broker', broker.url, '--set', 'menu_timeout=0', '--set', `broker_ca=${site.caFile}`], {
      columns: 160,
      rows: 25,
      term: 'linux',
    });
    const offline = await menu.waitForText('its certificate is not signed by the broker_ca certificate');
    expect(offline).toContain('OFFLINE');
    expect(offline).toMatch(/1 Debian desktop/);
    expect(offline).not.toContain('Impostor');
  });

  it('refuses a certificate for another host name', async () => {
    const site = makeTestCa(dir, 'elsewhere', ['broker.elsewhere.test']);
    const broker = await startBroker(children, dir, guests, { tls: { certFile: site.certFile, keyFile: site.keyFile } });
    const { menu } = openMenu(broker.url, [`broker_ca=${site.caFile}`]);
    const offline = await menu.waitForText('its certificate is for another host name');
    expect(offline).toContain('OFFLINE');
    expect(offline).toContain('No list of desktops yet');
  });

  it('says so when the clock is behind the certificate (not valid yet), and keeps the cached list', async () => {
    const site = makeTestCa(dir, 'future', ['127.0.0.1'], { validFrom: new Date(Date.now() + 86_400_000) });
    const broker = await startBroker(children, dir, guests, { tls: { certFile: site.certFile, keyFile: site.keyFile } });
    const cache = join(dir, 'cache-skew');
    writeCatalogCache(cache, { catalog: catalogOf(guests), broker: broker.url, savedAt: Date.now() - 60_000 });
    const menu = terminal([launcherPath, ...isolatedArgs(cache), '--broker', broker.url, '--set', 'menu_timeout=0', '--set', `broker_ca=${site.caFile}`], {
      columns: 160,
      rows: 25,
      term: 'linux',
    });
    const offline = await menu.waitForText('its certificate is not valid yet');
    expect(offline).toContain('OFFLINE');
    expect(offline).toMatch(/2 Windows XP/);
  });

  it('shows a cached list saved "in the future" (the clock went back), then replaces it with the live one', async () => {
    const broker = await startBroker(children, dir, [...guests, testGuest('live', { name: 'Live desktop' })]);
    const cache = join(dir, 'cache-future');
    writeCatalogCache(cache, { catalog: catalogOf(guests), broker: broker.url, savedAt: Date.now() + 365 * 86_400_000 });
    const menu = terminal([launcherPath, ...isolatedArgs(cache), '--broker', broker.url, '--set', 'menu_timeout=0'], { columns: 160, rows: 25, term: 'linux' });
    const screen = await menu.waitForText('Live desktop');
    expect(screen).toMatch(onlineLine(broker.url));
    expect(readCatalogCache(cache).cached?.savedAt).toBeLessThanOrEqual(Date.now());
  });
});
