// The menu of the real single executable tells a real vdd-broker what this PC runs and how its
// sessions went: the PC appears on the broker's admin status with its fitness verdict and
// hardware, and a session started from the menu (one that fails: the guest is stopped) arrives
// with its outcome and reason, also when the launcher is stopped right after it.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AdminStatus } from '../../../broker/admin/admin-status.ts';
import { readIdentity } from '../../../launcher/config/identity.ts';
import { seedToken } from '../../support/admin-seed.ts';
import { startBroker, testGuest } from '../../support/broker.ts';
import { useChildren, waitFor } from '../../support/children.ts';
import { isolatedArgs, launcherPath, requireLauncher } from '../../support/launcher-binary.ts';
import { announceSkip } from '../../support/skip-reason.ts';
import { useTempDir } from '../../support/temp-dir.ts';
import { useTerminals } from '../../support/tmux.ts';

const mac = readIdentity().macs[0];

/** Whether pid still runs: gone, or a zombie its parent (tmux) has not reaped yet, is not. */
function processRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

const skip = announceSkip('menu status reports', mac === undefined ? 'this machine has no network card with a MAC address to report under' : undefined);

describe.skipIf(skip)('menu status reports to the broker', () => {
  const children = useChildren();
  const terminal = useTerminals();
  const dir = useTempDir();

  it('shows this PC on the admin status, then the session it ran', async () => {
    requireLauncher();
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, `${seedToken}\n`);
    const broker = await startBroker(children, dir, [testGuest('winxp', { name: 'Windows XP', os: 'Windows', state: 'stopped', startable: true })], {
      extraArgs: ['--admin-token-file', tokenFile, '--reports', join(dir, 'reports.jsonl')],
    });
    const status = async () =>
      (await (await fetch(`${broker.url}v1/admin/status`, { headers: { authorization: `Bearer ${seedToken}` } })).json()) as AdminStatus;
    const menu = terminal([launcherPath, ...isolatedArgs(join(dir, 'cache')), '--broker', broker.url, '--set', 'menu_timeout=0'], { columns: 80, rows: 25 });
    await menu.waitForText('Windows XP');
    const pc = await waitFor('the PC on the admin status', async () => (await status()).pcs.find((entry) => entry.mac === mac && entry.fitness !== null), {
      timeoutMs: 20_000,
    });
    expect(pc.ramMiB).toBeGreaterThan(0);
    expect(pc.launcherVersion).toMatch(/\d/);
    menu.send('1');
    await menu.waitForText('Press Enter to go back to the list.');
    // Reports are at least 10 s apart: the session comes with the next one.
    const reported = await waitFor(
      'the session on the admin status',
      async () => (await status()).pcs.find((entry) => entry.mac === mac && entry.qoe.sessions > 0),
      {
        timeoutMs: 30_000,
      },
    );
    expect(reported.qoe.failed).toBe(1);
    expect(reported.problems).toContain('1 of 1 sessions in the last hour failed or dropped');
    const guest = (await status()).guests.find((entry) => entry.id === 'winxp');
    expect(guest?.qoe).toMatchObject({ sessions: 1, failed: 1 });
  }, 60_000);

  it('reports a session that just ended when the launcher is stopped (a PC shutting down)', async () => {
    requireLauncher();
    const reports = join(dir, 'stop-reports.jsonl');
    const broker = await startBroker(children, dir, [testGuest('reactos', { name: 'ReactOS', os: 'ReactOS', state: 'stopped', startable: true })], {
      extraArgs: ['--reports', reports],
    });
    const menu = terminal([launcherPath, ...isolatedArgs(join(dir, 'cache-stop')), '--broker', broker.url, '--set', 'menu_timeout=0'], {
      columns: 80,
      rows: 25,
    });
    await menu.waitForText('ReactOS');
    // The first report (this PC's facts) goes soon after the first frame; the session would wait for the next, 10 s later.
    await waitFor('the first report', () => existsSync(reports) && readFileSync(reports, 'utf8').includes(mac!), { timeoutMs: 20_000 });
    // Half a second after that report: the launcher waits for the broker's one-report-a-second.
    await new Promise((resolve) => setTimeout(resolve, 500));
    menu.send('1');
    await menu.waitForText('Press Enter to go back to the list.');
    const launcher = menu.pid();
    process.kill(launcher, 'SIGTERM');
    await waitFor('the launcher to stop', () => !processRunning(launcher), { timeoutMs: 10_000 });
    expect(readFileSync(reports, 'utf8')).toContain('"guestId":"reactos"');
  }, 60_000);
});
