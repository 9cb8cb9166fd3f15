// The PC's clock far from the broker's, and the clock jumping while the menu runs: old PCs with a
// flat CMOS battery boot years in the past until NTP sets the time. The built launcher runs in
// tmux under libfaketime (its wall clock only; timers keep the real monotonic clock), with a real
// vdd-broker and Xvnc. A one-time VNC password's expiresAt is the broker's business: the session
// must open whatever the PC's clock says. Countdowns (reconnect, offline retry) must not stretch
// to a day when the clock is set back by a day.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fetchCatalog } from '../../../launcher/broker-client/catalog-fetch.ts';
import { startBroker, testGuest } from '../../support/broker.ts';
import { useChildren, waitFor } from '../../support/children.ts';
import { isolatedArgs, launcherPath, requireLauncher } from '../../support/launcher-binary.ts';
import { startVddBroker } from '../../support/peers/vdd-broker.ts';
import { screenshot } from '../../support/peers/screenshot.ts';
import { startXvfb } from '../../support/peers/x-display.ts';
import { startXvnc } from '../../support/peers/xvnc.ts';
import { announceSkip, missingTools } from '../../support/skip-reason.ts';
import { useTempDir } from '../../support/temp-dir.ts';
import { useTerminals } from '../../support/tmux.ts';

const libfaketime = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';
const unavailable = announceSkip(
  'clock skew tests',
  missingTools(['Xvfb', 'Xvnc', 'vncviewer', 'vncpasswd', 'xwd', 'xlogo', 'tmux']) ??
    (existsSync(libfaketime) ? undefined : `${libfaketime} is missing (the faketime package; sh build/setup.sh installs it)`),
);

describe.skipIf(unavailable)('the launcher with a skewed or jumping clock', () => {
  const children = useChildren();
  const dir = useTempDir();
  const terminal = useTerminals();
  requireLauncher();
  let menus = 0;

  /** The menu with its wall clock offset by what the file holds ("-3650d", "+1y", "+0"); rewriting the file moves the clock at once. */
  function menuWithClock(broker: string, offset: string, env: Record<string, string> = {}) {
    const clockFile = join(dir, `clock-${++menus}`);
    writeFileSync(clockFile, offset);
    const cache = join(dir, `cache-${menus}`);
    const menu = terminal([launcherPath, ...isolatedArgs(cache), '--broker', broker, '--set', 'menu_timeout=0', '--set', 'session_exec_below_ram=0'], {
      term: 'linux',
      env: {
        HOME: dir,
        PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
        LD_PRELOAD: libfaketime,
        FAKETIME_TIMESTAMP_FILE: clockFile,
        FAKETIME_NO_CACHE: '1',
        DONT_FAKE_MONOTONIC: '1',
        ...env,
      },
    });
    return { menu, cache, setClock: (value: string) => writeFileSync(clockFile, value) };
  }

  it.each([
    ['ten years behind (a flat CMOS battery)', '-3650d'],
    ['a year ahead', '+365d'],
  ])(
    "opens a desktop with the broker's one-time password when the PC's clock is %s",
    async (_, offset) => {
      const outer = await startXvfb(children, '800x600');
      const xvnc = await startXvnc(children, dir, { password: 'initial1', size: '800x600' });
      children.start('xlogo', 'xlogo', ['-display', xvnc.name, '-geometry', '800x600+0+0', '-fg', 'darkgreen', '-bg', 'white']);
      const passwordFile = join(dir, `xvnc-${xvnc.port}.passwd`);
      const catalogFile = join(dir, `catalog-otp-${xvnc.port}.json`);
      writeFileSync(
        catalogFile,
        JSON.stringify({
          version: 1,
          broker: { id: 'test', name: 'Test broker' },
          ttl: 30,
          guests: [{ id: 'lab', name: 'Lab desktop', os: 'Linux', protocol: 'vnc', host: '127.0.0.1', port: xvnc.port, auth: 'vnc-password', passwordFile }],
        }),
      );
      // A short password lifetime: the PC's clock is years away from the broker's either way.
      const broker = await startVddBroker(children, catalogFile, { extraArgs: ['--probe-interval', '1', '--password-ttl', '5'] });
      await waitFor('the broker to see Xvnc running', async () => {
        const answer = await fetchCatalog(broker.url, { timeoutMs: 2000, caFile: '/nonexistent' });
        return answer.kind === 'catalog' && answer.catalog.guests[0]?.state === 'running';
      });
      const initialPassword = readFileSync(passwordFile);
      const { menu, cache } = menuWithClock(broker.url, offset, { DISPLAY: outer.name });
      await menu.waitForText(/1 Lab desktop .* running/);
      menu.send('Enter');
      await menu.waitForText('Connected to Lab desktop', 20_000);
      await waitFor('the desktop behind the one-time password', () => screenshot(outer.name).nonBackgroundShare > 0.1, { timeoutMs: 15_000 });
      // The broker set a one-time password on Xvnc for this session.
      expect(readFileSync(passwordFile).equals(initialPassword)).toBe(false);
      // The list was kept for offline use, stamped with the PC's own (skewed) clock.
      const savedAt = (JSON.parse(readFileSync(join(cache, 'catalog.json'), 'utf8')) as { savedAt: number }).savedAt;
      expect(Math.abs(savedAt - Date.now())).toBeGreaterThan(300 * 86_400_000);
    },
    60_000,
  );

  it('finishes a reconnect countdown and the offline retry in seconds when the clock is set back a day', async () => {
    const broker = await startBroker(children, dir, [testGuest('down', { name: 'Down desktop', port: 9 })], { ttl: 1 });
    const { menu, setClock } = menuWithClock(broker.url, '+0', { DISPLAY: ':0' });
    await menu.waitForText(/1 Down desktop .* running/);
    // Two refused tries make the next countdown 4 s (1 s, doubling, with jitter).
    for (let attempt = 0; attempt < 3; attempt++) {
      menu.send('Enter');
      await menu.waitForText('is not accepting connections', 15_000);
      menu.send('Enter');
      await waitFor('the message to close', () => !menu.screen().includes('is not accepting connections'));
    }
    menu.send('Enter');
    await menu.waitForText(/Reconnecting to Down desktop in [2-9] s/);
    setClock('-1d');
    const counted = await waitFor(
      'the countdown to end',
      () => {
        const screen = menu.screen();
        expect(screen).not.toMatch(/Reconnecting to Down desktop in \d{2,} s/);
        return screen.includes('is not accepting connections') ? screen : undefined;
      },
      { timeoutMs: 20_000 },
    );
    expect(counted.replace(/\s+/g, ' ')).toMatch(/Choose it again to reconnect \(in \d+ s\)/);
    menu.send('Enter');

    // The broker goes away: the offline line counts down on the real clock, not a day's worth.
    await broker.child.kill();
    menu.send('r');
    const offline = await menu.waitForText('OFFLINE', 15_000);
    const seconds = Number(/Trying again in (\d+) s/.exec(offline)?.[1]);
    expect(seconds).toBeLessThanOrEqual(60);
    setClock('+2d');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(Number(/Trying again in (\d+) s/.exec(menu.screen())?.[1])).toBeGreaterThan(0);
  }, 90_000);
});
