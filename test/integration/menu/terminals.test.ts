// The menu of the real single executable on the terminals thin clients have: TERM=linux and
// vt100 at 80x25, a 132x50 console, and a system without any terminfo files at all (blessed's
// own descriptions are built into the executable).
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { keyHelp } from '../../../launcher/menu/menu-screen.ts';
import { isolatedArgs, launcherPath, requireLauncher } from '../../support/launcher-binary.ts';
import { useTempDir } from '../../support/temp-dir.ts';
import { useTerminals } from '../../support/tmux.ts';

const terminal = useTerminals();
const dir = useTempDir();
const menuArgs = isolatedArgs(dir);

beforeAll(requireLauncher);

function lines(screen: string): string[] {
  return screen.split('\n');
}

describe('menu on real terminals', () => {
  it.each([
    ['linux', 80, 25],
    ['vt100', 80, 25],
    ['xterm', 132, 50],
  ])('draws a full frame on TERM=%s at %ix%i', async (term, columns, rows) => {
    const menu = terminal([launcherPath, ...menuArgs], { term, columns, rows });
    const screen = await menu.waitForText(keyHelp);
    const drawn = lines(screen);
    expect(drawn[0]).toContain('VDD thin client');
    expect(drawn[1]).toMatch(/# Desktop +System +Type +State/);
    expect(drawn[rows - 1]).toContain(keyHelp);
    expect(screen).not.toMatch(/[\u2500-\u257f]/);
  });

  it('stays in the menu on Ctrl-C, Ctrl-Z and Ctrl-\\ (the keys that would drop to a shell)', async () => {
    const menu = terminal([launcherPath, ...menuArgs], { term: 'linux' });
    await menu.waitForText(keyHelp);
    const pid = menu.pid();
    menu.send(['C-c', 'C-z', 'C-\\', 'C-d']);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(menu.dead()).toBe(false);
    expect(readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2]).not.toBe('T');
    expect(menu.screen()).toContain(keyHelp);
  });

  it('draws without any terminfo files on the system', async () => {
    const empty = join(dir, 'no-terminfo');
    mkdirSync(empty);
    // A private mount namespace hides the system's terminfo directories from the launcher only.
    const hide = [
      'unshare',
      '--mount',
      '--propagation',
      'private',
      '--',
      'sh',
      '-c',
      'for d in /usr/share/terminfo /lib/terminfo /etc/terminfo; do [ -d "$d" ] && mount --bind "$1" "$d"; done; shift; exec "$@"',
      'sh',
      empty,
    ];
    const menu = terminal([...hide, launcherPath, ...menuArgs], { term: 'linux', env: { HOME: empty } });
    const screen = await menu.waitForText(keyHelp);
    expect(lines(screen)[0]).toContain('VDD thin client');
  });
});
