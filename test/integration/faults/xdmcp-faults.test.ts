// XDMCP faults with the menu open: the built launcher in tmux, inside a test namespace with a real
// vdd-broker and xdm or LightDM, its sessions nested (Xnest) in an Xvfb display. The display manager killed
// mid-session (told apart from a logout, which must stay silent), and an X server (Xnest) that
// cannot start because its display refuses it, must each end back in the menu with a sentence
// saying why (the X server's own words for the latter), the list intact and usable, and nothing
// left running.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCatalogCache } from '../../../launcher/broker-client/catalog-cache.ts';
import { startBroker, testGuest } from '../../support/broker.ts';
import { useChildren, waitFor } from '../../support/children.ts';
import { isolatedArgs, launcherPath, requireLauncher } from '../../support/launcher-binary.ts';
import { netnsUnavailable, useTestNetwork } from '../../support/netns.ts';
import { screenshot } from '../../support/peers/screenshot.ts';
import { startXServer, startXvfb } from '../../support/peers/x-display.ts';
import { startLightdm } from '../../support/peers/lightdm.ts';
import { startXdm } from '../../support/peers/xdm.ts';
import { xdmcpNetwork, type XdmcpNetwork } from '../../support/peers/xdmcp-network.ts';
import { announceSkip, missingTools } from '../../support/skip-reason.ts';
import { descendantPids, descendantsRunning, killAll } from '../../support/process-tree.ts';
import { useTempDir } from '../../support/temp-dir.ts';
import { useTerminals } from '../../support/tmux.ts';

const unavailable = announceSkip(
  'XDMCP fault tests',
  netnsUnavailable() ?? missingTools(['Xvfb', 'Xnest', 'xdm', 'lightdm', 'dbus-daemon', 'xauth', 'xwd', 'tmux']),
);

describe.skipIf(unavailable)('XDMCP sessions from the menu when something fails', () => {
  const network = useTestNetwork();
  const children = useChildren();
  const dir = useTempDir();
  const terminal = useTerminals();
  requireLauncher();

  async function openMenu(net: XdmcpNetwork, outerDisplay: string, label: string) {
    const guest = testGuest('lab', { name: 'Lab desktop', os: 'Debian 12', protocol: 'xdmcp', host: net.serverAddress, port: 177 });
    const broker = await startBroker(children, dir, [guest, testGuest('other', { name: 'Other desktop', host: net.serverAddress })], {
      netns: net.netns,
      host: net.serverAddress,
    });
    const cache = join(dir, `cache-${label}`);
    const menu = terminal(
      [
        'ip',
        'netns',
        'exec',
        net.netns,
        launcherPath,
        ...isolatedArgs(cache),
        '--broker',
        broker.url,
        '--set',
        'menu_timeout=0',
        '--set',
        'session_exec_below_ram=0',
      ],
      {
        // The classic console size: messages (an X server's own words too) must fit it.
        columns: 80,
        rows: 25,
        term: 'linux',
        env: { DISPLAY: outerDisplay, HOME: dir, PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
      },
    );
    await menu.waitForText(/1 Lab desktop .* running/);
    return { menu, cache };
  }

  it.each([
    ['xdm', startXdm],
    ['LightDM', startLightdm],
  ] as const)(
    'says the connection was lost and offers a reconnect when %s is killed mid-session',
    async (label, startDisplayManager) => {
      const net = xdmcpNetwork(network, `fk${label.slice(0, 1)}`);
      const displayManager = await startDisplayManager(children, dir, net);
      const outer = await startXvfb(children, '1024x768');
      const { menu, cache } = await openMenu(net, outer.name, `killed-${label}`);
      menu.send('Enter');
      await waitFor('the greeter in the Xnest window', () => screenshot(outer.name).colours > 50, { timeoutMs: 20_000 });
      await menu.waitForText('Connected to Lab desktop');
      const [xnest] = descendantsRunning(menu.pid(), 'Xnest');
      expect(xnest).toBeDefined();

      // All of it, as a crash of the service or of the guest would: per-display children (xdm's) run in sessions of their own.
      const tree = descendantPids(displayManager.pid);
      await displayManager.kill();
      killAll(tree);
      const screen = (await menu.waitForText(/was lost|could not|does not/, 30_000)).replace(/\s+/g, ' ');
      expect(screen).toMatch(/The connection to Lab desktop was lost/);
      expect(screen).toMatch(/Choose it again to reconnect \(in \d+ s\)/);
      await waitFor('the Xnest window to close', () => screenshot(outer.name).nonBackgroundShare < 0.01);
      expect(existsSync(`/proc/${xnest}`)).toBe(false);

      // Back to the list: it is whole, the cursor moves, and the cache still holds both desktops.
      menu.send('Enter');
      await waitFor('the message to close', () => !menu.screen().includes('was lost'));
      menu.send('Down');
      await expect.poll(() => menu.inverseLines().join('\n')).toContain('Other desktop');
      expect(readCatalogCache(cache).cached?.catalog.guests.map((guest) => guest.id)).toEqual(['lab', 'other']);
      // With the display manager back, choosing the desktop again shows its greeter.
      await startDisplayManager(children, dir, net);
      menu.send(['Up', 'Enter']);
      await menu.waitForText(/Reconnecting to Lab desktop in \d+ s/);
      await menu.waitForText('Connected to Lab desktop', 20_000);
      await waitFor('the greeter again', () => screenshot(outer.name).colours > 50, { timeoutMs: 20_000 });
    },
    150_000,
  );

  it('goes back to the list without a message when the session ends and the display manager still answers (a logout)', async () => {
    const net = xdmcpNetwork(network, 'fl');
    const xdm = await startXdm(children, dir, net);
    const outer = await startXvfb(children, '1024x768');
    const { menu } = await openMenu(net, outer.name, 'logout');
    menu.send('Enter');
    await waitFor('the greeter in the Xnest window', () => screenshot(outer.name).colours > 50, { timeoutMs: 20_000 });
    await menu.waitForText('Connected to Lab desktop');
    // xdm ends a display's session by ending that display's own process, as after a logout.
    for (const pid of descendantPids(xdm.pid)) process.kill(pid, 'SIGTERM');
    await waitFor('the Xnest window to close', () => screenshot(outer.name).nonBackgroundShare < 0.01, { timeoutMs: 20_000 });
    await waitFor('the list without any message', () => {
      const screen = menu.screen();
      return !/Connected to|was lost|could not|does not/.test(screen) && /1 Lab desktop .* running/.test(screen);
    });
    expect(xdm.running).toBe(true);
  }, 60_000);

  it("shows the X server's own reason when Xnest cannot open its display, and the menu stays usable", async () => {
    const net = xdmcpNetwork(network, 'fx');
    await startXdm(children, dir, net);
    // An outer display that admits only holders of a cookie nobody has: Xnest is refused at start.
    const authFile = join(dir, 'foreign-cookie');
    execFileSync('xauth', ['-f', authFile, 'add', ':0', 'MIT-MAGIC-COOKIE-1', randomBytes(16).toString('hex')], { stdio: ['ignore', 'ignore', 'pipe'] });
    const outer = await startXServer(children, 'Xvfb (locked)', 'Xvfb', ['-screen', '0', '1024x768x24', '-nolisten', 'tcp', '-auth', authFile]);
    const { menu, cache } = await openMenu(net, outer.name, 'xfail');
    const saved = readFileSync(join(cache, 'catalog.json'), 'utf8');
    menu.send('Enter');
    const screen = (await menu.waitForText('could not be started', 20_000)).replace(/\s+/g, ' ');
    expect(screen).toContain('The display for Lab desktop could not be started');
    expect(screen).toMatch(/The X server stopped \(.*Unable to open display ":\d+"/);
    expect(screen).not.toMatch(/reconnect/i);

    menu.send('Enter');
    await waitFor('the message to close', () => !menu.screen().includes('could not be started'));
    menu.send('Down');
    await expect.poll(() => menu.inverseLines().join('\n')).toContain('Other desktop');
    menu.send('r');
    await menu.waitForText(/1 Lab desktop .* running/);
    expect(readFileSync(join(cache, 'catalog.json'), 'utf8')).toBe(saved);
  }, 60_000);
});
