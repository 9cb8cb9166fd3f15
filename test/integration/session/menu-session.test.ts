// The menu starts real sessions: Enter on a VNC guest shows its desktop (vncviewer in an Xvfb
// display), the server dying mid-session brings the menu back with the reason and a reconnect
// offer, and choosing the guest again counts down before it tries. A guest whose catalog entry is
// stale (the viewer starts there before the broker answers) is reached where the broker says.
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeCatalogCache } from '../../../launcher/broker-client/catalog-cache.ts';
import { startBroker, testGuest } from '../../support/broker.ts';
import { isolatedArgs, launcherPath, requireLauncher } from '../../support/launcher-binary.ts';
import { useChildren, waitFor } from '../../support/children.ts';
import { useTempDir } from '../../support/temp-dir.ts';
import { useTerminals } from '../../support/tmux.ts';
import { startXvfb, type XServer } from '../../support/peers/x-display.ts';
import { startXvnc } from '../../support/peers/xvnc.ts';
import { screenshot } from '../../support/peers/screenshot.ts';
import { announceSkip, missingTools } from '../../support/skip-reason.ts';

const unavailable = announceSkip('menu session tests', missingTools(['Xvfb', 'Xvnc', 'vncviewer', 'xwd', 'xlogo', 'tmux']));

describe.skipIf(unavailable)('sessions from the menu', () => {
  const children = useChildren();
  const dir = useTempDir();
  const terminal = useTerminals();
  requireLauncher();

  /** The menu on a linux terminal, sessions shown in the outer display, no auto-start, never exec mode. */
  const menuWith = (cache: string, broker: string, outer: XServer) =>
    terminal([launcherPath, ...isolatedArgs(cache), '--broker', broker, '--set', 'menu_timeout=0', '--set', 'session_exec_below_ram=0'], {
      term: 'linux',
      env: { DISPLAY: outer.name, HOME: dir, PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
    });

  it('shows the desktop on Enter, and after the server dies the reason and a reconnect with a countdown', async () => {
    const outer = await startXvfb(children, '800x600');
    const server = await startXvnc(children, dir, { size: '800x600' });
    children.start('xlogo', 'xlogo', ['-display', server.name, '-geometry', '800x600+0+0', '-fg', 'red', '-bg', 'white']);
    const cache = join(dir, 'cache');
    writeCatalogCache(cache, {
      catalog: {
        version: 1,
        broker: { id: 'test', name: 'Test broker' },
        ttl: 3600,
        guests: [{ id: 'desk', name: 'Lab desktop', os: 'Linux', protocol: 'vnc', host: '127.0.0.1', port: server.port, state: 'running', auth: 'none' }],
      },
      broker: 'http://127.0.0.1:9/',
      savedAt: Date.now(),
    });
    const menu = menuWith(cache, 'http://127.0.0.1:9/', outer);
    await menu.waitForText('Lab desktop');
    menu.send('Enter');
    await waitFor('the desktop in the outer display', () => screenshot(outer.name).nonBackgroundShare > 0.1);
    await menu.waitForText('Connected to Lab desktop');

    await server.child.kill();
    const screen = await menu.waitForText('was lost');
    expect(screen).toMatch(/The connection to Lab desktop was lost/);
    expect(screen.replace(/\s+/g, ' ')).toMatch(/Choose it again to reconnect \(in \d s\)/);
    await waitFor('the outer display to be empty again', () => screenshot(outer.name).nonBackgroundShare < 0.01);

    // Enter dismisses the message; Enter again chooses the guest: the countdown shows before the next try.
    menu.send('Enter');
    await waitFor('the message to close', () => !menu.screen().includes('was lost'));
    menu.send('Enter');
    await menu.waitForText(/Reconnecting to Lab desktop in \d s/);
    await menu.waitForText('is not accepting connections');
  });

  it('connects where the broker says when the catalog still lists the old address', async () => {
    const outer = await startXvfb(children, '800x600');
    const server = await startXvnc(children, dir, { size: '800x600' });
    children.start('xlogo', 'xlogo', ['-display', server.name, '-geometry', '800x600+0+0', '-fg', 'blue', '-bg', 'white']);
    // The catalog points at a closed port; the session answer at the running Xvnc.
    const staleGuest = { id: 'moved', name: 'Moved desktop', os: 'Linux', protocol: 'vnc', host: '127.0.0.1', port: 9, state: 'running', auth: 'none' };
    const catalog = JSON.stringify({ version: 1, broker: { id: 'test', name: 'Test broker' }, ttl: 3600, guests: [staleGuest] });
    const answer = JSON.stringify({ state: 'running', host: '127.0.0.1', port: server.port, expiresAt: new Date(Date.now() + 60_000).toISOString() });
    const broker = createServer((request, response) => {
      request.resume();
      const body = request.url === '/v1/catalog' ? catalog : request.method === 'POST' && request.url === '/v1/guests/moved/session' ? answer : undefined;
      response.writeHead(body ? 200 : 404, { 'content-type': 'application/json' }).end(body ?? '{"error":"not found"}');
    });
    await new Promise<void>((resolve) => broker.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(broker.address() as AddressInfo).port}/`;
      const cache = join(dir, 'cache-moved');
      const menu = menuWith(cache, url, outer);
      await menu.waitForText('Moved desktop');
      menu.send('Enter');
      await waitFor('the desktop from the address the broker gave', () => screenshot(outer.name).nonBackgroundShare > 0.1);
      await menu.waitForText('Connected to Moved desktop');
      expect(readFileSync(join(cache, 'launcher.log'), 'utf8')).toContain("the broker's answer differs from the catalog");
    } finally {
      broker.closeAllConnections();
      await new Promise((resolve) => broker.close(resolve));
    }
  });

  it('reports an exec-mode session through the launcher that starts after it', async () => {
    const outer = await startXvfb(children, '800x600');
    const server = await startXvnc(children, dir, { size: '800x600' });
    children.start('xlogo', 'xlogo', ['-display', server.name, '-geometry', '800x600+0+0', '-fg', 'red', '-bg', 'white']);
    const reports = join(dir, 'exec-reports.jsonl');
    const broker = await startBroker(children, dir, [testGuest('desk', { name: 'Lab desktop', os: 'Linux', port: server.port, auth: 'none' })], {
      extraArgs: ['--reports', reports],
    });
    const cache = join(dir, 'cache-exec');
    const launcher = (exec: boolean) =>
      terminal(
        [launcherPath, ...isolatedArgs(cache), '--broker', broker.url, '--set', 'menu_timeout=0', '--set', `session_exec_below_ram=${exec ? 65_536 : 0}`],
        {
          term: 'linux',
          env: { DISPLAY: outer.name, HOME: dir, PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
        },
      );
    // Exec mode below 64 GiB of RAM: on this machine too.
    const menu = launcher(true);
    await menu.waitForText('Lab desktop');
    menu.send('Enter');
    await waitFor('the desktop in the outer display', () => screenshot(outer.name).nonBackgroundShare > 0.1);
    expect(readFileSync(`/proc/${menu.pid()}/comm`, 'utf8').trim()).toBe('vncviewer');
    // The viewer replaced the launcher; the session ends with its server.
    await server.child.kill();
    await waitFor('the outer display to be empty again', () => screenshot(outer.name).nonBackgroundShare < 0.01);
    expect(existsSync(reports) ? readFileSync(reports, 'utf8') : '').not.toContain('"guestId":"desk"');
    // What init does next: a launcher again, which reports the session.
    const next = launcher(false);
    await next.waitForText('Lab desktop');
    await waitFor('the exec-mode session in the reports', () => existsSync(reports) && readFileSync(reports, 'utf8').includes('"guestId":"desk"'), {
      timeoutMs: 20_000,
    });
    expect(readFileSync(reports, 'utf8')).toMatch(/"sessions":\[\{"guestId":"desk","protocol":"vnc","startedAt":"[^"]+","seconds":[\d.]+,"outcome":"ended"/);
  });
});
