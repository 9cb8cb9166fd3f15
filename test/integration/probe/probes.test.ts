// The probes against real peers: XDMCP Query to xdm and LightDM in a test namespace (Willing with
// the server's own status, Unwilling with LightDM's reason, a silent address, a closed port at once),
// and the RFB handshake with Xvnc (VncAuth, None) and QEMU's VNC server with a password secret.
import { describe, expect, it } from 'vitest';
import { probeRfb } from '../../../common/probe/rfb-handshake.ts';
import { useTestNetwork, netnsUnavailable } from '../../support/netns.ts';
import { useChildren } from '../../support/children.ts';
import { useTempDir } from '../../support/temp-dir.ts';
import { xdmcpNetwork } from '../../support/peers/xdmcp-network.ts';
import { startXdm } from '../../support/peers/xdm.ts';
import { startLightdm } from '../../support/peers/lightdm.ts';
import { callInNetns } from '../../support/peers/netns-node.ts';
import { startXvnc } from '../../support/peers/xvnc.ts';
import { startQemuVnc } from '../../support/peers/qemu-vnc.ts';
import { freeTcpPort } from '../../support/peers/free-port.ts';
import { announceSkip, missingTools } from '../../support/skip-reason.ts';

const unavailable = announceSkip('probe tests', netnsUnavailable() ?? missingTools(['xdm', 'lightdm', 'Xvnc', 'vncpasswd', 'qemu-system-x86_64']));

const xdmcpQuery = new URL('../../../common/probe/xdmcp-query.ts', import.meta.url);

describe.skipIf(unavailable)('XDMCP Query', () => {
  const network = useTestNetwork();
  const children = useChildren();
  const dir = useTempDir();

  it('gets Willing from xdm with its own status text, terminal-safe', async () => {
    const net = xdmcpNetwork(network, 'pw');
    await startXdm(children, dir, net, { status: 'Load 0.25 \x1b[31mbusy' });
    const answer = await callInNetns(net.netns, xdmcpQuery, 'queryXdmcp', [net.serverAddress, { timeoutMs: 3000 }]);
    expect(answer).toMatchObject({ ok: true, answer: { kind: 'willing', status: 'Load 0.25 busy' }, rttMs: expect.any(Number) });
  });

  it('gives up on a silent address at its own deadline (X would wait forever)', async () => {
    const net = xdmcpNetwork(network, 'ps');
    // 10.203.0.9 is on the link but nobody has it: no answer and no ICMP error come back.
    const answer = await callInNetns(net.netns, xdmcpQuery, 'queryXdmcp', ['10.203.0.9', { timeoutMs: 600 }]);
    expect(answer).toMatchObject({ ok: false, failure: 'timeout', message: expect.stringMatching(/no XDMCP answer from 10\.203\.0\.9:177 within 600 ms/) });
  });

  it('gets Willing from LightDM, and Unwilling with its reason when it requires XDM-AUTHENTICATION-1', async () => {
    const open = xdmcpNetwork(network, 'pl');
    await startLightdm(children, dir, open);
    expect(await callInNetns(open.netns, xdmcpQuery, 'queryXdmcp', [open.serverAddress, { timeoutMs: 3000 }])).toMatchObject({
      ok: true,
      answer: { kind: 'willing' },
    });
    const keyed = xdmcpNetwork(network, 'pk');
    await startLightdm(children, dir, keyed, { key: '0x0123456789abcd' });
    expect(await callInNetns(keyed.netns, xdmcpQuery, 'queryXdmcp', [keyed.serverAddress, { timeoutMs: 3000 }])).toMatchObject({
      ok: true,
      answer: { kind: 'unwilling', status: expect.stringMatching(/authentication/i) },
    });
  });

  it('says at once that nothing listens on a closed port', async () => {
    const net = xdmcpNetwork(network, 'pc');
    const answer = await callInNetns(net.netns, xdmcpQuery, 'queryXdmcp', [net.serverAddress, { timeoutMs: 10_000 }]);
    expect(answer).toMatchObject({ ok: false, failure: 'refused' });
  });
});

describe.skipIf(unavailable)('RFB handshake', () => {
  const children = useChildren();
  const dir = useTempDir();

  it('reads Xvnc VncAuth: version and security types without a password, the desktop name with it, a refusal with a wrong one', async () => {
    const server = await startXvnc(children, dir, { password: 'probe-pw', desktopName: 'Lab desktop \x1b[2J' });
    expect(await probeRfb('127.0.0.1', server.port, { timeoutMs: 3000 })).toMatchObject({
      ok: true,
      version: '3.8',
      securityTypes: [{ code: 2, name: 'VncAuth' }],
      authentication: 'not-tried',
      rttMs: expect.any(Number),
    });
    expect(await probeRfb('127.0.0.1', server.port, { timeoutMs: 3000, password: 'probe-pw' })).toMatchObject({
      ok: true,
      authentication: 'vnc-password',
      desktop: { name: 'Lab desktop ', width: 800, height: 600 },
    });
    expect(await probeRfb('127.0.0.1', server.port, { timeoutMs: 3000, password: 'wrong' })).toMatchObject({ ok: false, failure: 'auth-failed' });
  });

  it('reads the desktop name from Xvnc without authentication', async () => {
    const server = await startXvnc(children, dir, { desktopName: 'Open desktop' });
    expect(await probeRfb('127.0.0.1', server.port, { timeoutMs: 3000 })).toMatchObject({
      ok: true,
      securityTypes: [{ code: 1, name: 'None' }],
      desktop: { name: 'Open desktop' },
    });
  });

  it('reads QEMU with a password secret, what Xen HVM guests expose', async () => {
    const server = await startQemuVnc(children, dir, { password: 'qemu-pw' });
    expect(await probeRfb('127.0.0.1', server.port, { timeoutMs: 3000 })).toMatchObject({ ok: true, version: '3.8', securityTypes: [{ code: 2 }] });
    expect(await probeRfb('127.0.0.1', server.port, { timeoutMs: 3000, password: 'qemu-pw' })).toMatchObject({
      ok: true,
      authentication: 'vnc-password',
      desktop: { name: 'QEMU' },
    });
  });

  it('says nothing listens on a closed port', async () => {
    expect(await probeRfb('127.0.0.1', await freeTcpPort(), { timeoutMs: 3000 })).toMatchObject({ ok: false, failure: 'refused' });
  });
});
