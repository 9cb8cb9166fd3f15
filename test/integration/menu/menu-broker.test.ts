// The menu of the real single executable against a real vdd-broker, driven through tmux:
// listing, cursor keys, hotkeys, filter, the auto-connect countdown, hostile names, and the
// offline banner when the broker dies; the mark the image waits for once the menu is drawn.
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { keyHelp } from '../../../launcher/menu/menu-screen.ts';
import { startBroker, testGuest, type TestBroker } from '../../support/broker.ts';
import { useChildren } from '../../support/children.ts';
import { isolatedArgs, launcherPath, requireLauncher } from '../../support/launcher-binary.ts';
import { useTempDir } from '../../support/temp-dir.ts';
import { useTerminals } from '../../support/tmux.ts';

const children = useChildren();
const terminal = useTerminals();
const dir = useTempDir();
const guests = [
  testGuest('debian', { name: 'Debian desktop', os: 'Debian 12', protocol: 'xdmcp', port: 177 }),
  testGuest('winxp', { name: 'Windows XP', os: 'Windows', state: 'stopped', startable: true }),
  testGuest('reactos', { name: 'ReactOS', os: 'ReactOS', state: 'unavailable', reason: 'its VM host does not answer' }),
  testGuest('gentoo', { name: 'Gentoo workstation', os: 'Gentoo', protocol: 'xdmcp', port: 177, state: 'starting' }),
];
let broker: TestBroker;
let cacheCount = 0;

beforeAll(async () => {
  requireLauncher();
  chmodSync(dir, 0o755);
  broker = await startBroker(children, dir, guests);
});

function openMenu(brokerUrl: string, options: { set?: string[]; columns?: number; rows?: number; term?: string } = {}) {
  const cache = join(dir, `cache-${++cacheCount}`);
  const sets = ['menu_timeout=0', ...(options.set ?? [])].flatMap((assignment) => ['--set', assignment]);
  return terminal([launcherPath, ...isolatedArgs(cache), '--broker', brokerUrl, ...sets], {
    columns: options.columns ?? 80,
    rows: options.rows ?? 25,
    term: options.term ?? 'linux',
  });
}

describe('menu with a real broker', () => {
  it('lists every guest with OS, protocol and state, and moves the cursor bar with the keys', async () => {
    const menu = openMenu(broker.url);
    const screen = await menu.waitForText('Gentoo workstation');
    expect(screen).toMatch(/1 Debian desktop +Debian 12 +xdmcp running/);
    expect(screen).toMatch(/2 Windows XP +Windows +vnc +stopped/);
    expect(screen).toMatch(/3 ReactOS +ReactOS +vnc +unavailable/);
    expect(screen).toMatch(/4 Gentoo workstation +Gentoo +xdmcp starting/);
    expect(screen).toContain(`Broker: ${broker.url}`);
    // What the image's udev start and serial prompt wait for (overlays/common/usr/lib/vdd/wait-for-menu).
    expect(existsSync(join(dir, `cache-${cacheCount}`, 'menu-up'))).toBe(true);
    await expect.poll(() => menu.inverseLines().join('\n')).toContain('Debian desktop');
    menu.send(['Down', 'Down']);
    await expect.poll(() => menu.inverseLines().join('\n')).toContain('ReactOS');
    // Why it cannot be used shows while the cursor is on it.
    await expect.poll(() => menu.screen()).toContain('ReactOS: its VM host does not answer');
    menu.send('End');
    await expect.poll(() => menu.inverseLines().join('\n')).toContain('Gentoo workstation');
    menu.send('Home');
    await expect.poll(() => menu.inverseLines().join('\n')).toContain('Debian desktop');
  });

  it('starts the guest of a number hotkey and shows why when it cannot', async () => {
    const menu = openMenu(broker.url);
    await menu.waitForText('Gentoo workstation');
    menu.send('2');
    const screen = await menu.waitForText('Press Enter to go back to the list.');
    expect(screen).toContain('Windows XP');
    // The reason and what the viewer said go to the launcher's log, not over the menu.
    expect(readFileSync(join(dir, `cache-${cacheCount}`, 'launcher.log'), 'utf8')).toMatch(
      /session winxp: starting \(vnc 127\.0\.0\.1:5999\)[\s\S]*session winxp: /,
    );
    menu.send('Enter');
    await expect.poll(() => menu.screen()).not.toContain('Press Enter to go back');
    expect(menu.screen()).toContain(keyHelp);
  });

  it('filters as you type and clears the filter with Esc', async () => {
    const menu = openMenu(broker.url);
    await menu.waitForText('Gentoo workstation');
    menu.send('/');
    menu.send('deb', true);
    await menu.waitForText('Filter: deb_');
    await expect.poll(() => menu.screen()).not.toContain('Windows XP');
    expect(menu.screen()).toMatch(/1 Debian desktop/);
    menu.send('Escape');
    await menu.waitForText('Windows XP');
    expect(menu.screen()).not.toContain('Filter:');
  });

  it('counts down to the default guest, restarts the count on a keypress, then starts it', async () => {
    const menu = openMenu(broker.url, { set: ['default_guest=reactos', 'menu_timeout=4'] });
    await menu.waitForText('Starting ReactOS in 4 s');
    await menu.waitForText('Starting ReactOS in 2 s');
    menu.send('Up');
    await menu.waitForText('Starting ReactOS in 4 s');
    const screen = await menu.waitForText('Press Enter to go back to the list.', 15_000);
    expect(screen).toContain('ReactOS');
  });

  it('keeps showing the list, marked offline, when the broker dies, and says when it tries again', async () => {
    const own = await startBroker(children, dir, guests);
    const menu = openMenu(own.url);
    await menu.waitForText('Gentoo workstation');
    await own.child.kill();
    menu.send('r');
    const screen = await menu.waitForText('OFFLINE');
    expect(screen).toMatch(/Trying again in \d+ s/);
    expect(screen).toMatch(/1 Debian desktop .* running\?/);
  });

  it('shows a 200-character name cut to the screen and never passes escape sequences through', async () => {
    const hostile = await startBroker(children, dir, [
      testGuest('long', { name: 'L'.repeat(200) }),
      testGuest('evil', { name: 'Evil\u001b[2J\u001b]0;owned\u0007 desktop\u009b31m', os: 'OS\u0007' }),
    ]);
    const menu = openMenu(hostile.url, { columns: 132, rows: 50, term: 'vt100' });
    const screen = await menu.waitForText('Evil');
    const rows = screen.split('\n');
    expect(rows.find((row) => row.includes('LLLL'))).toMatch(/^ {4}1 L+[~…] Debian/);
    expect(rows.every((row) => [...row].length <= 132)).toBe(true);
    expect(screen).toMatch(/2 Evil desktop/);
    expect(menu.screen(true)).not.toMatch(/\x1b\[2J|\x1b\]0;|\x07/);
  });
});
