// VNC sessions against real servers: TigerVNC Xvnc (VncAuth and None) and QEMU's VNC server with a
// password secret, shown by the real vncviewer inside an Xvfb display (nested mode). Checks the
// picture, the reasons for a wrong password, a refused port and a server killed mid-session, and
// that the password never shows in any child's argv or environment.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AddressedGuest, Guest } from '../../../common/protocol/broker-protocol.ts';
import { sessionParameters } from '../../../launcher/profile/session-parameters.ts';
import { planSession } from '../../../launcher/session/plan-session.ts';
import { runSession, type RunningSession } from '../../../launcher/session/run-session.ts';
import type { SessionEnd } from '../../../launcher/session/session-end.ts';
import { SpareProcess } from '../../../launcher/session/spare-process.ts';
import { scrambleVncPassword } from '../../../common/vnc/vnc-des.ts';
import { defaultConfig } from '../../../common/launcher-config/keys.ts';
import { useChildren, waitFor } from '../../support/children.ts';
import { useTempDir } from '../../support/temp-dir.ts';
import { startXvfb, type XServer } from '../../support/peers/x-display.ts';
import { startXvnc } from '../../support/peers/xvnc.ts';
import { startQemuVnc } from '../../support/peers/qemu-vnc.ts';
import { freeTcpPort } from '../../support/peers/free-port.ts';
import { screenshot } from '../../support/peers/screenshot.ts';
import { announceSkip, missingTools } from '../../support/skip-reason.ts';

const unavailable = announceSkip('VNC session tests', missingTools(['Xvfb', 'Xvnc', 'vncviewer', 'xwd', 'xlogo', 'qemu-system-x86_64']));

function vncGuest(port: number, auth: Guest['auth']): AddressedGuest {
  return { id: `vnc-${port}`, name: 'Test desktop', os: 'Test', protocol: 'vnc', host: '127.0.0.1', port, state: 'running', auth };
}

type Started = { end: Promise<SessionEnd>; shown: Promise<string>; running: RunningSession; abort: AbortController };

function start(guest: AddressedGuest, outer: XServer, dir: string, password?: string, spare?: SpareProcess): Started {
  const config = defaultConfig();
  const plan = planSession({
    guest,
    parameters: sessionParameters(undefined, config),
    config,
    env: { PATH: process.env.PATH, DISPLAY: outer.name },
    runtimeDir: dir,
    password: password === undefined ? 'none' : 'broker',
  });
  let running: RunningSession | undefined;
  let shown: (text: string) => void = () => {};
  const shownPromise = new Promise<string>((resolve) => (shown = resolve));
  const abort = new AbortController();
  const end = runSession(
    plan,
    { runtimeDir: dir, scrambledPassword: password === undefined ? undefined : scrambleVncPassword(password), started: shown, signal: abort.signal, spare },
    (r) => (running = r),
  );
  return { end, shown: shownPromise, running: running as unknown as RunningSession, abort };
}

function secretsOf(pid: number): string {
  return readFileSync(`/proc/${pid}/cmdline`, 'latin1') + readFileSync(`/proc/${pid}/environ`, 'latin1');
}

describe.skipIf(unavailable)('VNC sessions', () => {
  const children = useChildren();
  const dir = useTempDir();

  it.each([
    ['spawned', false],
    ['started from the waiting spare process', true],
  ])('shows an Xvnc desktop behind VncAuth (viewer %s), and the password is in no child argv or environment', async (_how, fromSpare) => {
    const outer = await startXvfb(children, '800x600');
    const password = 'Sesame42';
    const server = await startXvnc(children, dir, { password, size: '800x600' });
    children.start('xlogo', 'xlogo', ['-display', server.name, '-geometry', '800x600+0+0', '-render', '-fg', 'red', '-bg', 'white']);
    const before = screenshot(outer.name);
    const spare = fromSpare ? new SpareProcess() : undefined;
    const sparePid = spare?.start();
    const session = start(vncGuest(server.port, 'vnc-password'), outer, join(dir, 'vncauth'), password, spare);
    if (fromSpare) expect(session.running.pids()).toEqual([sparePid]);
    await expect(session.shown).resolves.toBe('Connected to Test desktop');
    const drawn = await waitFor('the remote desktop on the outer display', () => {
      const after = screenshot(outer.name);
      // xlogo: a red X on white; the outer display was all black before.
      return after.nonBackgroundShare > 0.1 ? after : undefined;
    });
    expect(before.nonBackgroundShare).toBeLessThan(0.01);
    expect(drawn.colours).toBeGreaterThan(2);
    const pids = session.running.pids();
    expect(pids.length).toBe(1);
    for (const pid of pids) expect(secretsOf(pid)).not.toContain(password);
    session.abort.abort();
    await expect(session.end).resolves.toEqual({ kind: 'ended' });
    expect(session.running.pids()).toEqual([]);
  });

  it('connects to Xvnc with no authentication', async () => {
    const outer = await startXvfb(children, '640x480');
    const server = await startXvnc(children, dir, { size: '640x480' });
    const session = start(vncGuest(server.port, 'none'), outer, join(dir, 'none'));
    await expect(session.shown).resolves.toBe('Connected to Test desktop');
    session.abort.abort();
    await expect(session.end).resolves.toEqual({ kind: 'ended' });
  });

  it('connects to QEMU with a password secret (what Xen guests expose)', async () => {
    const outer = await startXvfb(children, '800x600');
    const password = 'qemu-pw1';
    const server = await startQemuVnc(children, dir, { password });
    const session = start(vncGuest(server.port, 'vnc-password'), outer, join(dir, 'qemu'), password);
    await expect(session.shown).resolves.toBe('Connected to Test desktop');
    for (const pid of session.running.pids()) expect(secretsOf(pid)).not.toContain(password);
    session.abort.abort();
    await expect(session.end).resolves.toEqual({ kind: 'ended' });
  });

  it('says the password was wrong', async () => {
    const outer = await startXvfb(children, '640x480');
    const server = await startXvnc(children, dir, { password: 'right-one' });
    const end = await start(vncGuest(server.port, 'vnc-password'), outer, join(dir, 'wrong'), 'wrong-one').end;
    expect(end).toMatchObject({ kind: 'failed', failure: { code: 'auth-failed', reconnect: false, title: 'Test desktop: wrong password' } });
  });

  it('says nothing accepts connections on a closed port', async () => {
    const outer = await startXvfb(children, '640x480');
    const end = await start(vncGuest(await freeTcpPort(), 'none'), outer, join(dir, 'refused')).end;
    expect(end).toMatchObject({ kind: 'failed', failure: { code: 'refused', reconnect: true } });
  });

  it('says the connection was lost when the server is killed mid-session', async () => {
    const outer = await startXvfb(children, '640x480');
    const server = await startXvnc(children, dir, {});
    const session = start(vncGuest(server.port, 'none'), outer, join(dir, 'killed'));
    await session.shown;
    await server.child.kill();
    await expect(session.end).resolves.toMatchObject({ kind: 'failed', failure: { code: 'connection-lost', reconnect: true } });
    expect(session.running.pids()).toEqual([]);
  });
});
