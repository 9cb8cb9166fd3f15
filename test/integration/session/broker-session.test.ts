// A session through a real vdd-broker: `connect ID --broker URL` asks for the session, gets a
// one-time VNC password that the broker has just set on a real Xvnc, and shows the desktop;
// the password is in no child's argv or environment and not in the launcher's output.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fetchCatalog } from '../../../launcher/broker-client/catalog-fetch.ts';
import { launcherPath, requireLauncher } from '../../support/launcher-binary.ts';
import { useChildren, waitFor } from '../../support/children.ts';
import { useTempDir } from '../../support/temp-dir.ts';
import { startVddBroker } from '../../support/peers/vdd-broker.ts';
import { startXvfb } from '../../support/peers/x-display.ts';
import { startXvnc } from '../../support/peers/xvnc.ts';
import { screenshot } from '../../support/peers/screenshot.ts';
import { announceSkip, missingTools } from '../../support/skip-reason.ts';
import { unscrambleVncPasswordFile } from '../../support/vnc-password-file.ts';
import { descendantPids } from '../../support/process-tree.ts';

const unavailable = announceSkip('broker session tests', missingTools(['Xvfb', 'Xvnc', 'vncviewer', 'vncpasswd', 'xwd', 'xlogo']));

describe.skipIf(unavailable)('sessions through vdd-broker', () => {
  const children = useChildren();
  const dir = useTempDir();
  requireLauncher();

  it('starts a VNC guest with the broker one-time password, which no child shows', async () => {
    const outer = await startXvfb(children, '800x600');
    const xvnc = await startXvnc(children, dir, { password: 'initial1', size: '800x600' });
    children.start('xlogo', 'xlogo', ['-display', xvnc.name, '-geometry', '800x600+0+0', '-fg', 'darkgreen', '-bg', 'white']);
    const passwordFile = join(dir, `xvnc-${xvnc.port}.passwd`);
    const catalogFile = join(dir, 'catalog.json');
    writeFileSync(
      catalogFile,
      JSON.stringify({
        version: 1,
        broker: { id: 'test', name: 'Test broker' },
        ttl: 30,
        guests: [{ id: 'lab-desk', name: 'Lab desktop', os: 'Linux', protocol: 'vnc', host: '127.0.0.1', port: xvnc.port, auth: 'vnc-password', passwordFile }],
      }),
    );
    const broker = await startVddBroker(children, catalogFile, { extraArgs: ['--probe-interval', '1'] });
    await waitFor('the broker to see Xvnc running', async () => {
      const answer = await fetchCatalog(broker.url, { timeoutMs: 2000, caFile: '/nonexistent' });
      return answer.kind === 'catalog' && answer.catalog.guests[0]?.state === 'running';
    });

    const launcher = children.start(
      'vdd-launcher connect lab-desk',
      launcherPath,
      [
        'connect',
        'lab-desk',
        '--broker',
        broker.url,
        '--set',
        `cache_dir=${join(dir, 'cache')}`,
        '--set',
        `log_file=${join(dir, 'launcher.log')}`,
        '--set',
        'session_exec_below_ram=0',
      ],
      {
        env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', DISPLAY: outer.name, HOME: dir },
      },
    );
    await waitFor('the desktop behind the one-time password', () => screenshot(outer.name).nonBackgroundShare > 0.1, { child: launcher, timeoutMs: 15_000 });
    const password = unscrambleVncPasswordFile(passwordFile);
    expect(password).not.toBe('initial1');
    expect(password).toHaveLength(8);
    const processes = [launcher.pid, ...descendantPids(launcher.pid)];
    expect(processes.length).toBeGreaterThan(1);
    for (const pid of processes) {
      expect(readFileSync(`/proc/${pid}/cmdline`, 'latin1')).not.toContain(password);
      expect(readFileSync(`/proc/${pid}/environ`, 'latin1')).not.toContain(password);
    }
    await launcher.stop();
    expect((await launcher.exited).code).toBe(0);
    expect(launcher.log).not.toContain(password);
    expect(broker.child.log).not.toContain(password);
  });
});
