// XDMCP sessions end to end: the built vdd-launcher runs `connect xdmcp://...` inside a test
// namespace where xdm or LightDM listens, nested in an Xvfb display (Xnest -query). The greeter
// must appear (screenshot: not blank, many colours), and stopping the launcher must leave no
// Xnest and no X lock behind. A silent address gives a reason instead of a black window.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { launcherPath, requireLauncher } from '../../support/launcher-binary.ts';
import { useTestNetwork, netnsUnavailable } from '../../support/netns.ts';
import { useChildren, waitFor, type Child } from '../../support/children.ts';
import { useTempDir } from '../../support/temp-dir.ts';
import { startXvfb, type XServer } from '../../support/peers/x-display.ts';
import { xdmcpNetwork } from '../../support/peers/xdmcp-network.ts';
import { startXdm } from '../../support/peers/xdm.ts';
import { startLightdm } from '../../support/peers/lightdm.ts';
import { runLauncherInNetns } from '../../support/peers/launcher-in-netns.ts';
import { screenshot } from '../../support/peers/screenshot.ts';
import { announceSkip, missingTools } from '../../support/skip-reason.ts';

const unavailable = announceSkip('XDMCP session tests', netnsUnavailable() ?? missingTools(['Xnest', 'xdm']));

/** Direct children of pid (Linux keeps them per thread; the main thread's list suffices for spawn). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'latin1').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** A child's argv; empty for one that has already ended (short-lived ones do between listing and reading). */
function commandOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

function connectInNetns(children: ReturnType<typeof useChildren>, netns: string, host: string, outer: XServer, cacheDir: string): Child {
  return children.start(
    'vdd-launcher connect',
    launcherPath,
    ['connect', `xdmcp://${host}`, '--set', `cache_dir=${cacheDir}`, '--set', `log_file=${cacheDir}/launcher.log`],
    {
      netns,
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', DISPLAY: outer.name, HOME: cacheDir },
    },
  );
}

async function expectGreeterThenCleanStop(launcher: Child, outer: XServer): Promise<void> {
  const xnest = await waitFor('the launcher to start Xnest', () => childrenOf(launcher.pid).find((pid) => commandOf(pid)[0] === 'Xnest'), {
    child: launcher,
    timeoutMs: 15_000,
  });
  const greeter = await waitFor(
    'the greeter in the Xnest window',
    () => {
      const shot = screenshot(outer.name);
      return shot.nonBackgroundShare > 0.05 && shot.colours > 50 ? shot : undefined;
    },
    { child: launcher, timeoutMs: 20_000 },
  );
  // Anti-aliased text and the login box: xdm draws a few hundred colours, LightDM's GTK greeter over a thousand.
  expect(greeter.colours).toBeGreaterThan(50);
  const locksBefore = readdirSync('/tmp').filter((name) => /^\.X\d+-lock$/.test(name));
  await launcher.stop();
  expect((await launcher.exited).code).toBe(0);
  expect(existsSync(`/proc/${xnest}`)).toBe(false);
  const stale = locksBefore.filter((name) => existsSync(join('/tmp', name)) && readFileSync(join('/tmp', name), 'latin1').trim() === String(xnest));
  expect(stale).toEqual([]);
}

describe.skipIf(unavailable)('XDMCP sessions (nested, Xnest -query)', () => {
  const network = useTestNetwork();
  const children = useChildren();
  const dir = useTempDir();
  requireLauncher();

  it('shows the xdm greeter and stops cleanly', async () => {
    const net = xdmcpNetwork(network, 'sx');
    await startXdm(children, dir, net);
    const outer = await startXvfb(children, '1024x768');
    await expectGreeterThenCleanStop(connectInNetns(children, net.netns, net.serverAddress, outer, join(dir, 'cache-xdm')), outer);
  });

  it('shows the LightDM greeter and stops cleanly', async () => {
    const net = xdmcpNetwork(network, 'sl');
    await startLightdm(children, dir, net);
    const outer = await startXvfb(children, '1024x768');
    await expectGreeterThenCleanStop(connectInNetns(children, net.netns, net.serverAddress, outer, join(dir, 'cache-lightdm')), outer);
  });

  it('gives a reason, not a black window, when no display manager answers', () => {
    const net = xdmcpNetwork(network, 'sn');
    const result = runLauncherInNetns(
      net.netns,
      ['connect', `xdmcp://${net.clientAddress.replace(/\d+$/, '9')}`, '--set', `cache_dir=${join(dir, 'cache-none')}`, '--set', 'session_probe_timeout=500'],
      { DISPLAY: ':1' },
    );
    expect(result.status).toBe(6);
    expect(result.stderr).toMatch(/does not answer: No answer from 10\.203\.0\.9 port 177/);
  });
});
