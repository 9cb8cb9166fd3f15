// Who may use what, tried as PCs on a lab network would: a broker and an Xvnc guest in a server
// namespace, two PCs and a laptop each in a namespace of their own (veth pairs). The laptop is not
// in --allow; the PCs are. Checked against the real broker and Xvnc: 403 for the laptop (also with
// a spoofed X-Forwarded-For), one lease per desktop (409 in-use with who and since when, never a
// password, also with a forged MAC), leases bound to their PC, one-time tickets under a burst of
// requests from both PCs, lease end and expiry freeing the desktop, and the audit trail.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeCatalogFile, xvncDesktop } from '../../support/broker.ts';
import { useChildren, waitFor } from '../../support/children.ts';
import { makeLab } from '../../support/lab-network.ts';
import { netnsUnavailable, useTestNetwork } from '../../support/netns.ts';
import { callInNetns } from '../../support/peers/netns-node.ts';
import { freeTcpPort } from '../../support/peers/free-port.ts';
import { startVddBroker } from '../../support/peers/vdd-broker.ts';
import { startXvnc } from '../../support/peers/xvnc.ts';
import { announceSkip, missingTools } from '../../support/skip-reason.ts';
import { useTempDir } from '../../support/temp-dir.ts';
import { makeTestCa } from '../../support/peers/test-ca.ts';
import { fetchCatalog } from '../../../launcher/broker-client/catalog-fetch.ts';

const unavailable = announceSkip('broker access tests', netnsUnavailable() ?? missingTools(['Xvnc', 'vncpasswd']));
const requests = new URL('../../support/pc-requests.ts', import.meta.url);
const rfb = new URL('../../../common/probe/rfb-handshake.ts', import.meta.url);

type Reply = {
  status: number;
  body: { error?: { code: string; message: string; by?: string; since?: string }; password?: string; lease?: { id: string; token: string; guest: string } };
};
type Probe = { ok: boolean; failure?: string };

describe.skipIf(unavailable)('broker access from a lab network', () => {
  const network = useTestNetwork();
  const children = useChildren();
  const dir = useTempDir();

  it('serves only allowed PCs, gives a desktop to one PC at a time, and tickets that open one connection', async () => {
    const lab = makeLab(network, 2);
    const [pc1, pc2] = lab.pcs as [(typeof lab.pcs)[0], (typeof lab.pcs)[0]];
    const xvnc = await startXvnc(children, dir, { password: 'initial1', netns: lab.server, everyAddress: true });
    const catalogFile = writeCatalogFile(join(dir, 'lab.json'), [xvncDesktop(xvnc, pc1.serverAddress)]);
    const port = await freeTcpPort();
    const audit = join(dir, 'audit.log');
    const broker = await startVddBroker(children, catalogFile, {
      netns: lab.server,
      host: '0.0.0.0',
      port,
      extraArgs: [
        '--probe-interval',
        '0',
        ...lab.allow.flatMap((network) => ['--allow', network]),
        '--lease-renew',
        '1',
        '--lease-grace',
        '12',
        '--audit-log',
        audit,
      ],
    });
    const url = (pc: { serverAddress: string }) => `http://${pc.serverAddress}:${port}/`;
    const ask = (pc: { netns: string; serverAddress: string }, client: unknown, headers: Record<string, string> = {}) =>
      callInNetns<Reply>(pc.netns, requests, 'askSession', [url(pc), 'desk', client, headers]);
    const probe = (pc: { netns: string }, password: string) =>
      callInNetns<Probe>(pc.netns, rfb, 'probeRfb', [pc1.serverAddress, xvnc.port, { timeoutMs: 3000, password }]);
    const client1 = { mac: '52:54:00:00:01:01', hostname: 'lab-pc01' };
    const client2 = { mac: '52:54:00:00:02:02', hostname: 'lab-pc02' };

    // The laptop is not in --allow: 403, also when it claims to be forwarded for a PC.
    for (const headers of [{}, { 'x-forwarded-for': pc1.address }]) {
      const refused = await callInNetns<Reply>(lab.laptop.netns, requests, 'getCatalog', [url(lab.laptop), headers]);
      expect(refused).toMatchObject({
        status: 403,
        body: { error: { code: 'forbidden', message: `${lab.laptop.address} may not use this broker (not in its --allow networks)` } },
      });
      expect(await callInNetns<Reply>(lab.laptop.netns, requests, 'askSession', [url(lab.laptop), 'desk', client1, headers])).toMatchObject({ status: 403 });
    }
    // Logged once per address and minute, not once per request.
    expect(broker.child.log.match(new RegExp(`audit forbidden peer=${lab.laptop.address.replace(/\./g, '\\.')} `, 'g'))).toHaveLength(1);

    // PC 1 gets the desktop: a lease and a one-time password.
    const granted = await ask(pc1, client1);
    expect(granted).toMatchObject({ status: 200, body: { password: expect.stringMatching(/^.{8}$/), lease: { guest: 'desk' } } });
    const { password = '', lease } = granted.body;
    if (lease === undefined) throw new Error('no lease');

    // PC 2 asks for it, also claiming PC 1's MAC: in use, by whom and since when, and no password.
    for (const client of [client2, client1]) {
      const taken = await ask(pc2, client);
      expect(taken).toMatchObject({ status: 409, body: { error: { code: 'in-use', by: 'lab-pc01', since: expect.any(String) } } });
      expect(taken.body.password).toBeUndefined();
      expect(JSON.stringify(taken.body)).not.toContain(password);
    }
    const catalog = await callInNetns<{ body: { guests: { use: unknown }[] } }>(pc2.netns, requests, 'getCatalog', [url(pc2)]);
    expect(catalog.body.guests[0]?.use).toMatchObject({ sessions: 1, seats: 1, by: 'lab-pc01' });

    // PC 2 cannot renew or end PC 1's lease: not with a guessed token, not with the right one.
    for (const token of ['x'.repeat(32), lease.token])
      for (const action of ['renew', 'end']) {
        const stolen = await callInNetns<Reply>(pc2.netns, requests, 'leaseAction', [url(pc2), lease.id, action, { token }]);
        expect(stolen).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
      }

    // PC 1 is still there.
    expect(await callInNetns<Reply>(pc1.netns, requests, 'leaseAction', [url(pc1), lease.id, 'renew', { token: lease.token }])).toMatchObject({ status: 204 });
    // The password opens one connection, from PC 1; PC 2 cannot use it afterwards.
    expect(await probe(pc1, password)).toMatchObject({ ok: true });
    await waitFor('the broker to see the password used', () => /audit ticket-used guest=desk /.test(broker.child.log), { child: broker.child });
    expect(await probe(pc2, password)).toMatchObject({ ok: false, failure: 'auth-failed' });

    // PC 1 renews, then ends its lease: the desktop is PC 2's to take.
    expect(await callInNetns<Reply>(pc1.netns, requests, 'leaseAction', [url(pc1), lease.id, 'renew', { token: lease.token }])).toMatchObject({ status: 204 });
    expect(await callInNetns<Reply>(pc1.netns, requests, 'leaseAction', [url(pc1), lease.id, 'end', { token: lease.token }])).toMatchObject({ status: 204 });
    const second = await ask(pc2, client2);
    expect(second).toMatchObject({ status: 200, body: { password: expect.any(String), lease: { guest: 'desk' } } });

    // PC 2 vanishes (no renewals): after the grace time (12 s) its lease ends and PC 1 may have the desktop.
    await waitFor('the lease to expire', () => /audit lease-end guest=desk lease=\S+ reason=expired peer=10\.\d+\.2\.2 /.test(broker.child.log), {
      child: broker.child,
      timeoutMs: 20_000,
    });
    expect(await ask(pc1, client1)).toMatchObject({ status: 200 });

    // The audit file has every grant, refusal and end with the peer address and the claimed MAC.
    await waitFor('the audit file', async () => (await import('node:fs')).readFileSync(audit, 'utf8').includes('lease-end'));
    const trail = (await import('node:fs')).readFileSync(audit, 'utf8');
    expect(trail).toMatch(
      new RegExp(`^\\S+ session guest=desk lease=${lease.id} peer=${pc1.address.replace(/\./g, '\\.')} mac=52:54:00:00:01:01 host=lab-pc01 `, 'm'),
    );
    expect(trail).toMatch(new RegExp(`^\\S+ session-refused guest=desk peer=${pc2.address.replace(/\./g, '\\.')} mac=52:54:00:00:01:01 .*code=in-use`, 'm'));
    expect(trail).toMatch(new RegExp(`^\\S+ lease-end guest=desk lease=${lease.id} reason=ended peer=${pc1.address.replace(/\./g, '\\.')} `, 'm'));
    expect(trail).not.toContain(password);
    expect(trail).not.toContain(lease.token);
  });

  it('gives one PC of a burst from two PCs the ticket, the others a clear in-use, and the ticket works', async () => {
    const lab = makeLab(network, 2);
    const [pc1, pc2] = lab.pcs as [(typeof lab.pcs)[0], (typeof lab.pcs)[0]];
    const xvnc = await startXvnc(children, dir, { password: 'initial1', netns: lab.server, everyAddress: true });
    const catalogFile = writeCatalogFile(join(dir, 'burst.json'), [xvncDesktop(xvnc, pc1.serverAddress)]);
    const port = await freeTcpPort();
    await startVddBroker(children, catalogFile, {
      netns: lab.server,
      host: '0.0.0.0',
      port,
      extraArgs: ['--probe-interval', '0', ...lab.allow.flatMap((network) => ['--allow', network])],
    });
    const [first, second] = await Promise.all(
      [pc1, pc2].map((pc, index) =>
        callInNetns<Reply[]>(pc.netns, requests, 'sessionBurst', [`http://${pc.serverAddress}:${port}/`, 'desk', 20, 1000 * (index + 1)]),
      ),
    );
    const replies = [...(first ?? []), ...(second ?? [])];
    const granted = replies.filter((reply) => reply.status === 200);
    expect(granted).toHaveLength(1);
    expect(replies.filter((reply) => reply.status === 409 && reply.body.error?.code === 'in-use' && reply.body.password === undefined)).toHaveLength(39);
    const winner = (first ?? []).some((reply) => reply.status === 200) ? pc1 : pc2;
    const password = granted[0]?.body.password ?? '';
    expect(await callInNetns<Probe>(winner.netns, rfb, 'probeRfb', [pc1.serverAddress, xvnc.port, { timeoutMs: 3000, password }])).toMatchObject({ ok: true });
  });

  it('with --client-ca serves only clients whose certificate that CA signed, and says so to the others', async () => {
    const site = makeTestCa(dir, 'mtls-site', ['127.0.0.1']);
    const stranger = makeTestCa(dir, 'mtls-stranger', ['127.0.0.1']);
    const catalogFile = writeCatalogFile(join(dir, 'mtls.json'), []);
    // The site CA signs both the broker's certificate and the PCs' (one CA for a small site).
    const broker = await startVddBroker(children, catalogFile, { tls: site, extraArgs: ['--probe-interval', '0', '--client-ca', site.caFile] });
    const options = { caFile: site.caFile, timeoutMs: 5000 };
    await expect(fetchCatalog(broker.url, { ...options, clientCertificate: { certFile: site.certFile, keyFile: site.keyFile } })).resolves.toMatchObject({
      kind: 'catalog',
    });
    for (const clientCertificate of [undefined, { certFile: stranger.certFile, keyFile: stranger.keyFile }])
      await expect(fetchCatalog(broker.url, { ...options, clientCertificate })).rejects.toThrow(
        /HTTP 403: a client certificate signed by the site's CA is needed \(.+\) \(forbidden\)/,
      );
    // Half a pair is the launcher's configuration error, said as such, and nothing is sent.
    await expect(fetchCatalog(broker.url, { ...options, clientCertificate: { certFile: site.certFile, keyFile: '' } })).rejects.toThrow(
      'broker_client_key is not set, but broker_client_cert is: give both or neither',
    );
    expect(broker.child.log.match(/audit forbidden peer=127\.0\.0\.1 reason="client certificate refused/g)).toHaveLength(1);
  });
});
