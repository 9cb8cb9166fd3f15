// The launcher killed with SIGKILL (a crash, the OOM killer): the image's init must start it
// again. busybox init runs as PID 1 of a private namespace with a respawn line like the image's
// inittab, on a tmux terminal; the built launcher talks to a real vdd-broker. After each kill a
// new launcher draws the menu with the same list, the cached catalog stays whole, and nothing of
// the killed one is left. Killed under a (nested) VNC session, the session stays open and the new
// menu starts the next one. The time this takes is measured by bench/respawn.ts, not asserted here.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startBroker, testGuest } from '../../support/broker.ts';
import { useChildren, waitFor } from '../../support/children.ts';
import { initNamespaceArgv, initNamespaceUnavailable } from '../../support/init-namespace.ts';
import { descendantsRunning } from '../../support/process-tree.ts';
import { isolatedArgs, launcherPath, requireLauncher } from '../../support/launcher-binary.ts';
import { screenshot } from '../../support/peers/screenshot.ts';
import { startXvfb } from '../../support/peers/x-display.ts';
import { startXvnc } from '../../support/peers/xvnc.ts';
import { announceSkip, missingTools } from '../../support/skip-reason.ts';
import { useTempDir } from '../../support/temp-dir.ts';
import { useTerminals } from '../../support/tmux.ts';

const unavailable = announceSkip('respawn tests', initNamespaceUnavailable() ?? missingTools(['tmux', 'unshare']));
const sessionTools = announceSkip('respawn during a session', missingTools(['Xvfb', 'Xvnc', 'vncviewer', 'xwd', 'xlogo']));

describe.skipIf(unavailable)('the launcher under busybox init', () => {
  const children = useChildren();
  const dir = useTempDir();
  const terminal = useTerminals();
  requireLauncher();

  it('is started again after SIGKILL, with the same list and an intact cache, every time', async () => {
    const broker = await startBroker(children, dir, [
      testGuest('debian', { name: 'Debian desktop', protocol: 'xdmcp', port: 177 }),
      testGuest('winxp', { name: 'Windows XP', os: 'Windows' }),
    ]);
    const cache = join(dir, 'cache');
    const argv = initNamespaceArgv(dir, [launcherPath, ...isolatedArgs(cache), '--broker', broker.url, '--set', 'menu_timeout=0'], {
      TERM: 'linux',
      PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: dir,
      LANG: 'C.UTF-8',
    });
    const menu = terminal(argv, { term: 'linux' });
    await menu.waitForText(/2 Windows XP .* running/);
    const saved = readFileSync(join(cache, 'catalog.json'), 'utf8');
    const launcherNow = () => descendantsRunning(menu.pid(), launcherPath);

    for (let kill = 0; kill < 3; kill++) {
      const [killed] = await waitFor('one launcher under init', () => (launcherNow().length === 1 ? launcherNow() : undefined));
      // The info screen marks the old frame: the new launcher's first frame is the plain list.
      menu.send('i');
      await menu.waitForText('Press Enter to go back.');
      process.kill(killed as number, 'SIGKILL');
      const respawned = await waitFor('init to start the launcher again', () => launcherNow().find((pid) => pid !== killed), { timeoutMs: 15_000 });
      expect(respawned).not.toBe(killed);
      const screen = await waitFor(
        'the new menu frame',
        () => {
          const now = menu.screen();
          return !now.includes('Press Enter to go back.') && /2 Windows XP .* running/.test(now) ? now : undefined;
        },
        { timeoutMs: 15_000 },
      );
      expect(screen).toMatch(/1 Debian desktop/);
      expect(launcherNow()).toEqual([respawned]);
      expect(readFileSync(join(cache, 'catalog.json'), 'utf8')).toBe(saved);
    }
    // The menu answers keys after the respawn.
    menu.send('Down');
    await expect.poll(() => menu.inverseLines().join('\n')).toContain('Windows XP');
  }, 90_000);

  it.skipIf(sessionTools)(
    'keeps a session open when the launcher dies under it, and the new menu starts the next one',
    async () => {
      const outer = await startXvfb(children, '800x600');
      const xvnc = await startXvnc(children, dir, { size: '800x600' });
      children.start('xlogo', 'xlogo', ['-display', xvnc.name, '-geometry', '800x600+0+0', '-fg', 'red', '-bg', 'white']);
      const broker = await startBroker(children, dir, [testGuest('lab', { name: 'Lab desktop', port: xvnc.port, auth: 'none' })]);
      const cache = join(dir, 'cache-session');
      const argv = initNamespaceArgv(
        join(dir, 'init-session'),
        [launcherPath, ...isolatedArgs(cache), '--broker', broker.url, '--set', 'menu_timeout=0', '--set', 'session_exec_below_ram=0'],
        {
          TERM: 'linux',
          PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
          HOME: dir,
          DISPLAY: outer.name,
        },
      );
      const menu = terminal(argv, { term: 'linux' });
      await menu.waitForText(/1 Lab desktop .* running/);
      menu.send('Enter');
      await menu.waitForText('Connected to Lab desktop', 20_000);
      await waitFor('the desktop in the outer display', () => screenshot(outer.name).nonBackgroundShare > 0.1);
      const [killed] = descendantsRunning(menu.pid(), launcherPath);
      const [viewer] = descendantsRunning(killed as number, 'vncviewer');
      expect(viewer).toBeDefined();

      process.kill(killed as number, 'SIGKILL');
      await menu.waitForText(/1 Lab desktop .* running/, 15_000);
      await waitFor('init to start the launcher again', () => descendantsRunning(menu.pid(), launcherPath).find((pid) => pid !== killed));
      // Nothing lost: the person's desktop is still on screen, in the same viewer.
      expect(existsSync(`/proc/${viewer}`)).toBe(true);
      expect(screenshot(outer.name).nonBackgroundShare).toBeGreaterThan(0.1);

      // The person closes the viewer; the new menu opens the desktop again.
      process.kill(viewer as number, 'SIGTERM');
      await waitFor('the viewer window to close', () => screenshot(outer.name).nonBackgroundShare < 0.01);
      menu.send('Enter');
      await menu.waitForText('Connected to Lab desktop', 20_000);
      await waitFor('the desktop again', () => screenshot(outer.name).nonBackgroundShare > 0.1);
    },
    90_000,
  );
});
