// The menu starts real sessions: Enter on a VNC guest shows its desktop (vncviewer in an Xvfb
// display), the server dying mid-session brings the menu back with the reason and a reconnect
// offer, and choosing the guest again counts down before it tries.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeCatalogCache } from '../../../launcher/broker/catalog-cache.ts';
import { isolatedArgs, launcherPath, requireLauncher } from '../../support/launcher-binary.ts';
import { useChildren, waitFor } from '../../support/children.ts';
import { useTempDir } from '../../support/temp-dir.ts';
import { useTerminals } from '../../support/tmux.ts';
import { startXvfb } from '../../support/peers/x-display.ts';
import { startXvnc } from '../../support/peers/xvnc.ts';
import { screenshot } from '../../support/peers/screenshot.ts';
import { announceSkip, missingTools } from '../../support/skip-reason.ts';

const unavailable = announceSkip('menu session tests', missingTools(['Xvfb', 'Xvnc', 'vncviewer', 'xwd', 'xlogo', 'tmux']));

describe.skipIf(unavailable)('sessions from the menu', () => {
  const children = useChildren();
  const dir = useTempDir();
  const terminal = useTerminals();
  requireLauncher();

  it('shows the desktop on Enter, and after the server dies the reason and a reconnect with a countdown', async () => {
    const outer = await startXvfb(children, '800x600');
    const server = await startXvnc(children, dir, { size: '800x600' });
    children.start('xlogo', 'xlogo', ['-display', server.name, '-geometry', '800x600+0+0', '-fg', 'red', '-bg', 'white']);
    const cache = join(dir, 'cache');
    writeCatalogCache(cache, {
      catalog: { version: 1, broker: { id: 'test', name: 'Test broker' }, ttl: 3600, guests: [{ id: 'desk', name: 'Lab desktop', os: 'Linux', protocol: 'vnc', host: '127.0.0.1', port: server.port, state: 'running', auth: 'none' }] },
      broker: 'http://127.0.0.1:9/',
      savedAt: Date.now(),
    });
    const menu = terminal([launcherPath, ...isolatedArgs(cache), '--broker', 'http://127.0.0.1:9/', '--set', 'menu_timeout=0', '--set', 'session_exec_below_ram=0'], {
      term: 'linux',
      env: { DISPLAY: outer.name, HOME: dir, PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
    });
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
});
