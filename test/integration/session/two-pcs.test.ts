// Two PCs on a lab network (each in a network namespace of its own, with its own host name) run
// the real launcher in tmux against a real vdd-broker and a password-protected Xvnc on the
// server: the first PC's Enter shows the desktop; the second PC's menu then says who has it and
// since when, and choosing it says it is in use, with no viewer started. When the first PC's
// session ends (its lease with it), the second PC gets the desktop.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeCatalogFile, xvncDesktop } from '../../support/broker.ts';
import { useChildren, waitFor } from '../../support/children.ts';
import { makeLab } from '../../support/lab-network.ts';
import { isolatedArgs, launcherPath, requireLauncher } from '../../support/launcher-binary.ts';
import { netnsUnavailable, useTestNetwork } from '../../support/netns.ts';
import { freeTcpPort } from '../../support/peers/free-port.ts';
import { screenshot } from '../../support/peers/screenshot.ts';
import { startVddBroker } from '../../support/peers/vdd-broker.ts';
import { startXvfb } from '../../support/peers/x-display.ts';
import { startXvnc } from '../../support/peers/xvnc.ts';
import { descendantPids } from '../../support/process-tree.ts';
import { announceSkip, missingTools } from '../../support/skip-reason.ts';
import { useTempDir } from '../../support/temp-dir.ts';
import { useTerminals } from '../../support/tmux.ts';

const unavailable = announceSkip(
  'two-PC lease tests',
  netnsUnavailable() ?? missingTools(['Xvfb', 'Xvnc', 'vncviewer', 'vncpasswd', 'xwd', 'xlogo', 'tmux', 'unshare']),
);

describe.skipIf(unavailable)('one desktop, two PCs', () => {
  const network = useTestNetwork();
  const children = useChildren();
  const dir = useTempDir();
  const terminal = useTerminals();
  requireLauncher();

  it('gives the desktop to the first PC, tells the second who has it, and gives it to the second once the first is done', async () => {
    const lab = makeLab(network, 2);
    const [pc1, pc2] = lab.pcs as [(typeof lab.pcs)[0], (typeof lab.pcs)[0]];
    const xvnc = await startXvnc(children, dir, {
      password: 'initial1',
      size: '800x600',
      netns: lab.server,
      everyAddress: true,
      extraArgs: ['-NeverShared', '-DisconnectClients=0'],
    });
    children.start('xlogo', 'xlogo', ['-display', xvnc.name, '-geometry', '800x600+0+0', '-fg', 'darkgreen', '-bg', 'white']);
    const catalogFile = writeCatalogFile(join(dir, 'two-pcs.json'), [xvncDesktop(xvnc, pc1.serverAddress)], 2);
    const port = await freeTcpPort();
    const broker = await startVddBroker(children, catalogFile, {
      netns: lab.server,
      host: '0.0.0.0',
      port,
      extraArgs: ['--probe-interval', '0', ...lab.allow.flatMap((allowed) => ['--allow', allowed])],
    });
    // Each PC reaches the server at its own end of its link; the catalog names pc1's, which pc2 reaches too.
    const menuOn = async (pc: { netns: string; serverAddress: string }, hostname: string) => {
      const outer = await startXvfb(children, '800x600');
      const cache = join(dir, `cache-${hostname}`);
      const menu = terminal(
        [
          'ip',
          'netns',
          'exec',
          pc.netns,
          'unshare',
          '--uts',
          '--',
          'sh',
          '-c',
          'hostname "$0" && exec "$@"',
          hostname,
          launcherPath,
          ...isolatedArgs(cache),
          '--broker',
          `http://${pc.serverAddress}:${port}/`,
          '--set',
          'menu_timeout=0',
          '--set',
          'session_exec_below_ram=0',
        ],
        { term: 'linux', columns: 80, rows: 25, env: { DISPLAY: outer.name, HOME: dir, PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } },
      );
      await menu.waitForText('Lab desktop');
      return { menu, outer, cache };
    };
    const first = await menuOn(pc1, 'lab-pc01');
    const second = await menuOn(pc2, 'lab-pc02');

    first.menu.send('Enter');
    await first.menu.waitForText('Connected to Lab desktop', 20_000);
    await waitFor('the desktop on the first PC', () => screenshot(first.outer.name).nonBackgroundShare > 0.1);
    // The second PC's list (ttl 2 s) says who has it and since when.
    const listed = await second.menu.waitForText(/Lab desktop .* in use \(lab-pc01, \d\d:\d\d\)/, 15_000);
    expect(listed).toMatch(/1 Lab desktop/);
    second.menu.send('Enter');
    const refused = (await second.menu.waitForText('is in use')).replace(/\s+/g, ' ');
    expect(refused).toMatch(/Lab desktop is in use/);
    expect(refused).toMatch(/lab-pc01 has been using it since \d\d:\d\d\./);
    expect(screenshot(second.outer.name).nonBackgroundShare).toBeLessThan(0.01);
    await waitFor(
      'the refusal in the audit trail',
      () => /audit session-refused guest=desk peer=10\.\d+\.2\.2 mac=\S+ host=lab-pc02 code=in-use/.test(broker.child.log),
      {
        child: broker.child,
      },
    );

    // The first PC's session ends (the viewer stops): its lease ends with it, and the second PC gets the desktop.
    const viewers = descendantPids(first.menu.pid()).filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes('vncviewer');
      } catch {
        return false;
      }
    });
    expect(viewers.length).toBeGreaterThan(0);
    for (const pid of viewers) process.kill(pid, 'SIGTERM');
    await waitFor('the lease to end', () => /audit lease-end guest=desk lease=\S+ reason=ended peer=10\.\d+\.1\.2 /.test(broker.child.log), {
      child: broker.child,
      timeoutMs: 15_000,
    });
    second.menu.send('Enter');
    await waitFor('the message to close', () => !second.menu.screen().includes('is in use'));
    second.menu.send('Enter');
    await second.menu.waitForText('Connected to Lab desktop', 20_000);
    await waitFor('the desktop on the second PC', () => screenshot(second.outer.name).nonBackgroundShare > 0.1);
    await waitFor(
      'the lease of the second PC in the audit trail',
      () => /audit session guest=desk lease=\S+ peer=10\.\d+\.2\.2 mac=\S+ host=lab-pc02 lease_state=new/.test(broker.child.log),
      {
        child: broker.child,
      },
    );
  }, 90_000);
});
