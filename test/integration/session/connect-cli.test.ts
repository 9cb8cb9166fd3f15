// vdd-launcher connect as people and scripts use it, with the built single executable: the plan
// as JSON, exec mode below the RAM threshold, and exec mode for real (the launcher's PID becomes
// vncviewer, which reads the password from a FIFO and shows the desktop).
import { execFileSync } from 'node:child_process';
import { readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { launcherPath, requireLauncher, runLauncher } from '../../support/launcher-binary.ts';
import { writeCatalogFile, xvncDesktop } from '../../support/broker.ts';
import { useChildren, waitFor } from '../../support/children.ts';
import { useTempDir } from '../../support/temp-dir.ts';
import { startXvfb } from '../../support/peers/x-display.ts';
import { startXvnc } from '../../support/peers/xvnc.ts';
import { startVddBroker } from '../../support/peers/vdd-broker.ts';
import { screenshot } from '../../support/peers/screenshot.ts';
import { announceSkip, missingTools } from '../../support/skip-reason.ts';

const unavailable = announceSkip('connect CLI tests', missingTools(['Xvfb', 'Xvnc', 'vncviewer', 'vncpasswd', 'xwd', 'xlogo', 'mkfifo', 'dd', 'timeout']));

function rssKiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1]);
}

describe.skipIf(unavailable)('vdd-launcher connect', () => {
  const children = useChildren();
  const dir = useTempDir();
  requireLauncher();

  it('prints the plan as JSON with --dry-run, and chooses exec mode below session_exec_below_ram', () => {
    const result = runLauncher(
      ['connect', 'vnc://127.0.0.1:5999', '--dry-run', '--json', '--set', `cache_dir=${dir}`, '--set', 'session_exec_below_ram=65536'],
      { DISPLAY: ':7' },
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const plan = JSON.parse(result.stdout);
    expect(plan).toMatchObject({ mode: 'nested', display: 'outer', guest: { protocol: 'vnc', host: '127.0.0.1', port: 5999 }, password: 'none' });
    expect(plan.processes).toHaveLength(1);
    expect(plan.processes[0]).toMatchObject({ role: 'viewer', command: 'vncviewer', env: { DISPLAY: ':7' } });
    expect(plan.exec.reason).toMatch(/MiB RAM is below session_exec_below_ram \(65536 MiB\)/);
    expect(plan.exec.argv[0]).toBe('vncviewer');
  });

  it('refuses a URI it cannot use, with the reason', () => {
    const result = runLauncher(['connect', 'vnc://user:secret@10.0.0.1', '--set', `cache_dir=${dir}`]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/a password in the URI would show in the process list/);
  });

  it('replaces itself with vncviewer in exec mode; the password comes through a FIFO, never argv or environment', async () => {
    const outer = await startXvfb(children, '800x600');
    const password = 'exec-pw7';
    const server = await startXvnc(children, dir, { password, size: '800x600' });
    children.start('xlogo', 'xlogo', ['-display', server.name, '-geometry', '800x600+0+0', '-fg', 'blue', '-bg', 'white']);
    const passwordFile = join(dir, 'viewer.passwd');
    writeFileSync(passwordFile, execFileSync('vncpasswd', ['-f'], { input: `${password}\n` }), { mode: 0o600 });
    const launcher = children.start(
      'vdd-launcher connect --exec',
      launcherPath,
      [
        'connect',
        `vnc://127.0.0.1:${server.port}`,
        '--exec',
        '--set',
        `cache_dir=${join(dir, 'cache')}`,
        '--set',
        `log_file=${join(dir, 'launcher.log')}`,
        '--set',
        `vnc_password_file=${passwordFile}`,
      ],
      {
        env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', DISPLAY: outer.name, HOME: dir },
      },
    );
    const exe = await waitFor(
      'the launcher to become vncviewer',
      () => {
        const path = readlinkSync(`/proc/${launcher.pid}/exe`);
        return /vncviewer$/.test(path) ? path : undefined; // Debian: /usr/bin/xtigervncviewer
      },
      { child: launcher },
    );
    expect(exe).toMatch(/vncviewer$/);
    await waitFor('the desktop drawn by the exec-ed viewer', () => screenshot(outer.name).nonBackgroundShare > 0.1, { child: launcher });
    const cmdline = readFileSync(`/proc/${launcher.pid}/cmdline`, 'latin1');
    expect(cmdline).toContain(`-passwd=${join(dir, 'cache', 'session', 'vnc-password.fifo')}`);
    expect(cmdline + readFileSync(`/proc/${launcher.pid}/environ`, 'latin1')).not.toContain(password);
    // The viewer's own memory only: nothing of Node's heap is left in this PID.
    expect(rssKiB(launcher.pid)).toBeLessThan(60 * 1024);
    await launcher.stop();
  });

  it('keeps the lease in exec mode on a connection a holder process keeps open, and lets it go when the session ends', async () => {
    const outer = await startXvfb(children, '800x600');
    const server = await startXvnc(children, dir, { password: 'initial1', size: '800x600' });
    children.start('xlogo', 'xlogo', ['-display', server.name, '-geometry', '800x600+0+0', '-fg', 'purple', '-bg', 'white']);
    const catalogFile = writeCatalogFile(join(dir, 'exec-lease.json'), [xvncDesktop(server)]);
    const broker = await startVddBroker(children, catalogFile, { extraArgs: ['--probe-interval', '1', '--lease-renew', '1', '--lease-grace', '3'] });
    await waitFor('the broker to see Xvnc running', () => broker.child.log.includes('is running'), { child: broker.child });
    const cache = join(dir, 'exec-lease-cache');
    const launcher = children.start(
      'vdd-launcher connect --exec desk',
      launcherPath,
      ['connect', 'desk', '--exec', '--broker', broker.url, '--set', `cache_dir=${cache}`, '--set', `log_file=${join(dir, 'exec-lease.log')}`],
      { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', DISPLAY: outer.name, HOME: dir } },
    );
    await waitFor('the desktop drawn by the exec-ed viewer', () => screenshot(outer.name).nonBackgroundShare > 0.1, { child: launcher, timeoutMs: 15_000 });
    expect(launcher.log).toMatch(/lease \S+: held by process \d+ while the session runs/);
    // Twice the grace time, and nobody left to renew: the held connection keeps the lease.
    await new Promise((resolve) => setTimeout(resolve, 6500));
    expect(broker.child.log).not.toMatch(/audit lease-end/);
    // The session ends: the holder goes with it, and the lease ends after its grace time.
    await launcher.stop();
    await waitFor('the lease to end', () => /audit lease-end guest=desk lease=\S+ reason=expired/.test(broker.child.log), { timeoutMs: 10_000 });
    // The lease's id and token waited on tmpfs for the next launcher, which ends it (here: already over).
    expect(readFileSync(join(cache, 'session', 'lease.json'), 'utf8')).toMatch(/"token"/);
  }, 60_000);
});
