// Disk full under /run: the built menu runs in a private mount namespace whose cache_dir is a
// 16 KiB tmpfs, and the broker's catalog is larger than that. Saving the catalog fails; the menu
// says so on the broker line, keeps working with the live list (also offline, from memory), and
// the previous cache file is left whole.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogOf, startBroker, testGuest } from '../../support/broker.ts';
import { useChildren } from '../../support/children.ts';
import { isolatedArgs, launcherPath, requireLauncher } from '../../support/launcher-binary.ts';
import { useTempDir } from '../../support/temp-dir.ts';
import { useTerminals } from '../../support/tmux.ts';
import { announceSkip } from '../../support/skip-reason.ts';

function mountNamespaceUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'mounting a tmpfs in a private mount namespace needs root';
  try {
    execFileSync('unshare', ['--mount', '--propagation', 'private', 'mount', '-t', 'tmpfs', '-o', 'size=16k', 'vdd-probe', '/mnt'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'unshare --mount or tmpfs mounts do not work here';
  }
}

const unavailable = announceSkip('disk-full test', mountNamespaceUnavailable());

describe.skipIf(unavailable)('the menu when cache_dir is full', () => {
  // First registered, so removed last (after hooks run in reverse): the menu and the broker write here until they stop.
  const dir = useTempDir();
  const children = useChildren();
  const terminal = useTerminals();
  chmodSync(dir, 0o755);
  requireLauncher();

  it('says the list is not kept, keeps working, and leaves the previous cache whole', async () => {
    const big = Array.from({ length: 150 }, (_, i) => testGuest(`guest${i}`, { name: `Desktop ${i} ${'x'.repeat(180)}` }));
    const broker = await startBroker(children, dir, big);
    const cache = join(dir, 'full');
    mkdirSync(cache);
    const seed = join(dir, 'seed.json');
    const previous = {
      format: 'vdd-catalog-cache-1',
      broker: broker.url,
      savedAt: Date.now() - 3_600_000,
      catalog: catalogOf([testGuest('old', { name: 'Old desktop' })]),
    };
    writeFileSync(seed, JSON.stringify(previous));
    // The launcher execs from sh inside the namespace: its PID is the pane's, and /proc/PID/root shows its mounts.
    const mountThenRun = 'mount -t tmpfs -o size=16k vdd-full "$1" && cp "$2" "$1/catalog.json" && shift 2 && exec "$@"';
    const menu = terminal(
      [
        'unshare',
        '--mount',
        '--propagation',
        'private',
        'sh',
        '-c',
        mountThenRun,
        'sh',
        cache,
        seed,
        launcherPath,
        ...isolatedArgs(cache),
        '--broker',
        broker.url,
        '--set',
        'menu_timeout=0',
      ],
      {
        columns: 220,
        rows: 25,
        term: 'linux',
      },
    );
    const screen = await menu.waitForText('the list is not kept for offline use');
    expect(screen).toMatch(/cannot save the catalog in .*full \(config key cache_dir\): ENOSPC: no space left on device/);
    expect(screen).toMatch(/1 Desktop 0 x+/);

    menu.send(['Down', 'Down']);
    await expect.poll(() => menu.inverseLines().join('\n')).toContain('Desktop 2 ');
    const inside = join(`/proc/${menu.pid()}/root`, cache);
    expect(JSON.parse(readFileSync(join(inside, 'catalog.json'), 'utf8'))).toEqual(previous);

    await broker.child.kill();
    menu.send('r');
    const offline = await menu.waitForText('OFFLINE');
    expect(offline).toMatch(/1 Desktop 0 x+/);
    expect(menu.inverseLines().join('\n')).toContain('Desktop 2 ');
  });
});
