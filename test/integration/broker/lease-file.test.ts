// A broker restart keeps who holds which desktop (--lease-file), tried as two PCs on a lab network
// would: PC 1 holds an Xvnc desktop; the broker is stopped (and, later, killed) and started again;
// PC 2 still gets `409 in-use` and never a password, while PC 1 renews with its token and gets
// a new ticket that the real Xvnc accepts. The file is 0600 and holds no token or password; a
// damaged file is set aside as FILE.bad and the broker starts without it.

import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeCatalogFile, xvncDesktop } from '../../support/broker.ts';
import { useChildren } from '../../support/children.ts';
import { makeLab } from '../../support/lab-network.ts';
import { netnsUnavailable, useTestNetwork } from '../../support/netns.ts';
import { callInNetns } from '../../support/peers/netns-node.ts';
import { freeTcpPort } from '../../support/peers/free-port.ts';
import { startVddBroker } from '../../support/peers/vdd-broker.ts';
import { startXvnc } from '../../support/peers/xvnc.ts';
import { announceSkip, missingTools } from '../../support/skip-reason.ts';
import { useTempDir } from '../../support/temp-dir.ts';

const unavailable = announceSkip('broker lease file tests', netnsUnavailable() ?? missingTools(['Xvnc', 'vncpasswd']));
const requests = new URL('../../support/pc-requests.ts', import.meta.url);
const rfb = new URL('../../../common/probe/rfb-handshake.ts', import.meta.url);

type Reply = {
  status: number;
  body: { error?: { code: string; by?: string }; password?: string; lease?: { id: string; token: string; guest: string } };
};

describe.skipIf(unavailable)('a broker restart with --lease-file', () => {
  const network = useTestNetwork();
  const children = useChildren();
  const dir = useTempDir();

  it('keeps the desktop with the PC that holds it, across a clean stop and a crash', async () => {
    const lab = makeLab(network, 2);
    const [pc1, pc2] = lab.pcs as [(typeof lab.pcs)[0], (typeof lab.pcs)[0]];
    const xvnc = await startXvnc(children, dir, { password: 'initial1', netns: lab.server, everyAddress: true });
    const catalogFile = writeCatalogFile(join(dir, 'lab.json'), [xvncDesktop(xvnc, pc1.serverAddress)]);
    const leaseFile = join(dir, 'leases.json');
    const port = await freeTcpPort();
    const start = () =>
      startVddBroker(children, catalogFile, {
        netns: lab.server,
        host: '0.0.0.0',
        port,
        extraArgs: ['--probe-interval', '0', ...lab.allow.flatMap((allowed) => ['--allow', allowed]), '--lease-grace', '60', '--lease-file', leaseFile],
      });
    const url = (pc: { serverAddress: string }) => `http://${pc.serverAddress}:${port}/`;
    const ask = (pc: { netns: string; serverAddress: string }, client: unknown) =>
      callInNetns<Reply>(pc.netns, requests, 'askSession', [url(pc), 'desk', client]);
    const leaseAction = (pc: { netns: string; serverAddress: string }, id: string, action: string, body: unknown) =>
      callInNetns<Reply>(pc.netns, requests, 'leaseAction', [url(pc), id, action, body]);
    const client1 = { mac: '52:54:00:00:01:01', hostname: 'lab-pc01' };
    const client2 = { mac: '52:54:00:00:02:02', hostname: 'lab-pc02' };
    const refusedToPc2 = async () => {
      const taken = await ask(pc2, client2);
      expect(taken).toMatchObject({ status: 409, body: { error: { code: 'in-use', by: 'lab-pc01' } } });
      expect(taken.body.password).toBeUndefined();
    };

    let broker = await start();
    const granted = await ask(pc1, client1);
    expect(granted).toMatchObject({ status: 200, body: { password: expect.any(String), lease: { guest: 'desk' } } });
    const { password = '', lease } = granted.body;
    if (lease === undefined) throw new Error('no lease');
    const saved = readFileSync(leaseFile, 'utf8');
    expect(statSync(leaseFile).mode & 0o777).toBe(0o600);
    expect(saved).toContain(lease.id);
    expect(saved).not.toContain(lease.token);
    expect(saved).not.toContain(password);

    // A clean stop and start: PC 2 asks before PC 1 has renewed with the new broker.
    await broker.child.stop();
    broker = await start();
    expect(broker.child.log).toContain('1 leases from before the restart');
    await refusedToPc2();
    expect(await leaseAction(pc1, lease.id, 'renew', { token: lease.token })).toMatchObject({ status: 204 });
    // PC 1's launcher asks again (a reconnect): its own desktop, a new ticket that the real Xvnc takes.
    const again = await ask(pc1, client1);
    expect(again).toMatchObject({ status: 200, body: { lease: { id: lease.id } } });
    const probe = await callInNetns<{ ok: boolean }>(pc1.netns, rfb, 'probeRfb', [
      pc1.serverAddress,
      xvnc.port,
      { timeoutMs: 3000, password: again.body.password },
    ]);
    expect(probe).toMatchObject({ ok: true });
    const token = again.body.lease?.token ?? '';

    // A crash right after: the lease (with the token of the last answer) was written before it.
    await broker.child.kill();
    broker = await start();
    await refusedToPc2();
    expect(await leaseAction(pc1, lease.id, 'renew', { token: lease.token })).toMatchObject({ status: 403 });
    expect(await leaseAction(pc1, lease.id, 'end', { token })).toMatchObject({ status: 204 });
    expect(await ask(pc2, client2)).toMatchObject({ status: 200, body: { password: expect.any(String) } });

    // A damaged file is set aside, never trusted, and the broker still starts.
    await broker.child.stop();
    writeFileSync(leaseFile, '{"format":"vdd-broker-leases-1","leases":[{"id":"\u001b[2J"}]}');
    broker = await start();
    expect(broker.child.log).toMatch(/lease file \S+leases\.json: .*; kept as \S+leases\.json\.bad, starting without leases/);
    expect(broker.child.log).not.toContain('\u001b');
    expect(readFileSync(`${leaseFile}.bad`, 'utf8')).toContain('vdd-broker-leases-1');
    expect(await ask(pc1, client1)).toMatchObject({ status: 200 });
  });
});
