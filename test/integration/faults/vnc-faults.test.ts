// A VNC guest's server killed mid-session, with the menu in charge: the built launcher in tmux
// with a real vdd-broker, the guest QEMU's built-in VNC server (what Xen HVM and KVM guests
// expose), vncviewer nested in an Xvfb display. The menu must say the connection was lost, offer
// a reconnect, keep the list and cache whole, and reach the guest again once it is back (the
// broker hands out its new port).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCatalogCache } from '../../../launcher/broker-client/catalog-cache.ts';
import { fetchCatalog } from '../../../launcher/broker-client/catalog-fetch.ts';
import { startBroker, testGuest } from '../../support/broker.ts';
import { useChildren, waitFor } from '../../support/children.ts';
import { isolatedArgs, launcherPath, requireLauncher } from '../../support/launcher-binary.ts';
import { startQemuVnc } from '../../support/peers/qemu-vnc.ts';
import { screenshot } from '../../support/peers/screenshot.ts';
import { startXvfb } from '../../support/peers/x-display.ts';
import { announceSkip, missingTools } from '../../support/skip-reason.ts';
import { useTempDir } from '../../support/temp-dir.ts';
import { useTerminals } from '../../support/tmux.ts';

const unavailable = announceSkip('VNC fault tests', missingTools(['Xvfb', 'qemu-system-x86_64', 'vncviewer', 'xwd', 'tmux']));

describe.skipIf(unavailable)('a VNC session from the menu when the guest dies', () => {
  const children = useChildren();
  const dir = useTempDir();
  const terminal = useTerminals();
  requireLauncher();

  it('shows the lost connection and a reconnect offer, keeps the list, and reconnects once the guest is back', async () => {
    const outer = await startXvfb(children, '800x600');
    const first = await startQemuVnc(children, dir);
    const other = testGuest('reactos', { name: 'ReactOS', os: 'ReactOS', port: 9 });
    const guestOn = (port: number) => testGuest('winxp', { name: 'Windows XP', os: 'Windows', port });
    const broker = await startBroker(children, dir, [guestOn(first.port), other]);
    const cache = join(dir, 'cache');
    const menu = terminal([launcherPath, ...isolatedArgs(cache), '--broker', broker.url, '--set', 'menu_timeout=0', '--set', 'session_exec_below_ram=0'], {
      term: 'linux',
      env: { DISPLAY: outer.name, HOME: dir, PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
    });
    await menu.waitForText(/1 Windows XP .* running/);
    const saved = readFileSync(join(cache, 'catalog.json'), 'utf8');
    menu.send('Enter');
    await menu.waitForText('Connected to Windows XP', 20_000);
    await waitFor('the guest screen in the outer display', () => screenshot(outer.name).nonBackgroundShare > 0.01, { timeoutMs: 15_000 });

    await first.child.kill();
    const lost = (await menu.waitForText('was lost', 15_000)).replace(/\s+/g, ' ');
    expect(lost).toContain('The connection to Windows XP was lost');
    expect(lost).toMatch(/Choose it again to reconnect \(in \d+ s\)/);
    await waitFor('the viewer window to close', () => screenshot(outer.name).nonBackgroundShare < 0.01);

    // Back in the list: nothing lost on screen or on disk, keys work.
    menu.send('Enter');
    await waitFor('the message to close', () => !menu.screen().includes('was lost'));
    expect(menu.screen()).toMatch(/2 ReactOS/);
    expect(readFileSync(join(cache, 'catalog.json'), 'utf8')).toBe(saved);
    expect(readCatalogCache(cache).cached?.catalog.guests.map((guest) => guest.id)).toEqual(['winxp', 'reactos']);

    // The guest comes back on another port; the broker's session answer leads the launcher there.
    const second = await startQemuVnc(children, dir);
    broker.setGuests([guestOn(second.port), other]);
    await waitFor('the broker to serve the new port', async () => {
      const answer = await fetchCatalog(broker.url, { timeoutMs: 2_000, caFile: '/nonexistent' });
      return answer.kind === 'catalog' && answer.catalog.guests[0]?.port === second.port;
    });
    menu.send('Enter');
    await menu.waitForText(/Reconnecting to Windows XP in \d+ s/);
    await menu.waitForText('Connected to Windows XP', 20_000);
    await waitFor('the guest screen again', () => screenshot(outer.name).nonBackgroundShare > 0.01, { timeoutMs: 15_000 });
  }, 90_000);
});
