// The launcher with a broker in front of a real libvirtd: a stopped VM has no address until the
// broker starts it, so connect --dry-run says so; connecting starts it ("Starting NAME...") and
// shows its console; with the VM host down the PC gets the broker's reason and no viewer is
// started for a catalog address.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { launcherPath, requireLauncher, runLauncher, isolatedArgs } from '../../support/launcher-binary.ts';
import { useChildren, waitFor } from '../../support/children.ts';
import { defineDomain, libvirtdUnavailable, startLibvirtd } from '../../support/peers/libvirtd.ts';
import { startVddBroker, writeEmptyCatalog } from '../../support/peers/vdd-broker.ts';
import { startXvfb } from '../../support/peers/x-display.ts';
import { screenshot } from '../../support/peers/screenshot.ts';
import { announceSkip, missingTools } from '../../support/skip-reason.ts';
import { useTempDir } from '../../support/temp-dir.ts';

const unavailable = announceSkip('launcher sessions of libvirt guests', libvirtdUnavailable() ?? missingTools(['Xvfb', 'vncviewer', 'xwd']));

describe.skipIf(unavailable)('vdd-launcher connect to a libvirt guest', { timeout: 90_000 }, () => {
  const children = useChildren();
  const dir = useTempDir();
  requireLauncher();

  it('plans without an address, starts the VM on connect and shows its console, and gives the broker reason when its host is down', async () => {
    const libvirtd = await startLibvirtd(children, dir);
    await defineDomain(libvirtd, { name: 'desk', title: 'Lab desk' });
    const catalogFile = writeEmptyCatalog(dir);
    const broker = await startVddBroker(children, catalogFile, { extraArgs: ['--probe-interval', '1', '--libvirt', libvirtd.uri] });
    const args = [...isolatedArgs(join(dir, 'cache')), '--broker', broker.url];

    const plan = runLauncher(['connect', 'desk', '--dry-run', ...args]);
    expect(plan.status).toBe(0);
    expect(plan.stdout).toContain('address:    the broker starts this guest on the session request and gives its address then');
    expect(JSON.parse(runLauncher(['connect', 'desk', '--dry-run', '--json', ...args]).stdout)).toMatchObject({ address: 'from-broker-at-start' });

    const outer = await startXvfb(children, '1024x768');
    const session = children.start('vdd-launcher connect desk', launcherPath, ['connect', 'desk', ...args, '--set', 'log_file='], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', DISPLAY: outer.name, HOME: dir },
    });
    await waitFor('the VM console on screen', () => screenshot(outer.name).nonBackgroundPixels > 500, { timeoutMs: 30_000, child: session });
    expect(session.log).toContain('Starting Lab desk...');
    expect((await libvirtd.virsh(['domstate', 'desk'])).trim()).toBe('running');
    await session.stop();

    await libvirtd.child.stop();
    await waitFor('desk unavailable', async () =>
      (await fetch(new URL('v1/catalog', broker.url), { headers: { 'vdd-protocol': '1.1' } }).then((answer) => answer.text())).includes('"unavailable"'),
    );
    const refused = runLauncher(['connect', 'desk', ...args], { DISPLAY: outer.name });
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('Lab desk could not be started: The broker said: guest desk cannot be started: its VM host does not answer.');
    expect(refused.stderr).not.toContain('vncviewer');
  });
});
