// vdd-broker against a real libvirtd managing QEMU domains (TCG, no disk: SeaBIOS paints the
// console): stopped domains are listed without an address, a session request starts the domain
// once however many PCs ask, answers with the port libvirt gave it and a console ticket that opens
// the console until it expires; consoles without a password or that clients cannot reach are
// unavailable with the reason; a VM host that stops answering makes only its guests unavailable.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fetchCatalog } from '../../../launcher/broker-client/catalog-fetch.ts';
import { requestSession } from '../../../launcher/broker-client/session-request.ts';
import { probeRfb } from '../../../common/probe/rfb-handshake.ts';
import { protocol, type Catalog } from '../../../common/protocol/broker-protocol.ts';
import { vddNamespace } from '../../../broker/libvirt/vdd-metadata.ts';
import { useChildren, waitFor } from '../../support/children.ts';
import { defineDomain, libvirtdUnavailable, libvirtEngine, startLibvirtd } from '../../support/peers/libvirtd.ts';
import { startVddBroker, writeEmptyCatalog } from '../../support/peers/vdd-broker.ts';
import { announceSkip } from '../../support/skip-reason.ts';
import { useTempDir } from '../../support/temp-dir.ts';

const unavailable = announceSkip('vdd-broker against a real libvirtd', libvirtdUnavailable());

const client = { mac: '52:54:00:12:34:56', hostname: 'lab-pc07' };
const other = { mac: '52:54:00:12:34:57', hostname: 'lab-pc08' };

describe.skipIf(unavailable)('vdd-broker --libvirt against a real libvirtd', { timeout: 90_000 }, () => {
  const children = useChildren();
  const dir = useTempDir();
  const options = { caFile: join(dir, 'no-ca.pem'), timeoutMs: 30_000 };
  const catalogFile = writeEmptyCatalog(dir);

  const guests = async (url: string) => {
    const answer = await fetchCatalog(url, options);
    if (answer.kind !== 'catalog') throw new Error('no catalog');
    return answer.catalog.guests;
  };
  const guest = async (url: string, id: string) => (await guests(url)).find((listed) => listed.id === id);

  it('starts a stopped domain once for a PC asking three times (another PC: in use), with its real port and a one-time ticket for its console', async () => {
    const libvirtd = await startLibvirtd(children, dir);
    // The title holds what a listing's or a start's markers could be confused with.
    await defineDomain(libvirtd, { name: 'reactos', title: 'ReactOS 0.4 @@ &amp; &lt;x&gt;' });
    await defineDomain(libvirtd, { name: 'winxp', passwd: 'defined1' });
    // A domain already running on the first port of the range: the placeholder a stopped domain must never get.
    await defineDomain(libvirtd, { name: 'other', passwd: 'other123' });
    await libvirtd.virsh(['start', 'other']);
    const broker = await startVddBroker(children, catalogFile, { extraArgs: ['--probe-interval', '60', '--password-ttl', '5', '--libvirt', libvirtd.uri] });

    const listed = await guests(broker.url);
    expect(listed.find((entry) => entry.id === 'reactos')).toEqual({
      id: 'reactos',
      name: 'ReactOS 0.4 @@ & <x>',
      os: 'libvirt domain',
      protocol: 'vnc',
      state: 'stopped',
      startable: true,
      auth: 'vnc-password',
      use: { sessions: 0, seats: 1 },
    });
    const otherPort = (await guest(broker.url, 'other'))?.port;
    expect(otherPort).toBe(libvirtd.vncPorts.min);
    // Started outside the broker with a password of its own: served only once that no longer opens it.
    expect(broker.child.log).toMatch(/libvirt domain other on \S+: its console's own password \(from its definition\) is replaced by one nobody knows/);
    await expect(probeRfb('127.0.0.1', otherPort ?? 0, { timeoutMs: 3000, password: 'other123' })).resolves.toMatchObject({
      ok: false,
      failure: 'auth-failed',
    });
    // Launchers of protocol 1.0 never see a guest without an address.
    const old = await fetch(new URL(protocol.catalogPath, broker.url));
    expect(((await old.json()) as Catalog).guests.map((entry) => entry.id)).toEqual(['other']);

    // One PC asking three times at once (Enter pressed again, a launcher started again) shares one
    // start and keeps its lease; another PC is told the desktop is in use.
    const began = performance.now();
    const [answers, taken] = await Promise.all([
      Promise.all([client, client, client].map((pc) => requestSession(broker.url, 'reactos', pc, options))),
      requestSession(broker.url, 'reactos', other, options).catch((error: Error & { reason: string }) => error.reason),
    ]);
    expect(taken).toMatch(/^HTTP 409: guest reactos is in use by lab-pc07 since .* \(in-use\)$/);
    const startMs = performance.now() - began;
    const display = /:(\d+)\s*$/.exec(await libvirtd.virsh(['domdisplay', 'reactos']))?.[1];
    const realPort = 5900 + Number(display);
    for (const answer of answers) expect(answer).toMatchObject({ state: 'starting', host: '127.0.0.1', port: realPort });
    expect(realPort).not.toBe(otherPort);
    await waitFor('three grants in the audit trail', () => broker.child.log.match(/audit session guest=reactos /g)?.length === 3, { child: broker.child });
    expect(startMs).toBeLessThan(20_000);

    // The console has one password: the ticket set last opens it, once, and shows this domain; the others and no password do not.
    const probes = [];
    for (const answer of answers) probes.push(await probeRfb('127.0.0.1', realPort, { timeoutMs: 3000, password: answer?.password ?? '' }));
    expect(probes.filter((probe) => probe.ok)).toEqual([expect.objectContaining({ desktop: expect.objectContaining({ name: 'QEMU (reactos)' }) })]);
    const last = answers[probes.findIndex((probe) => probe.ok)]?.password ?? '';
    await waitFor('the ticket spent', () => /audit ticket-used guest=reactos /.test(broker.child.log), { child: broker.child });
    await expect(probeRfb('127.0.0.1', realPort, { timeoutMs: 3000, password: last })).resolves.toMatchObject({ ok: false, failure: 'auth-failed' });
    await expect(probeRfb('127.0.0.1', realPort, { timeoutMs: 3000, password: 'wrong000' })).resolves.toMatchObject({ ok: false, failure: 'auth-failed' });
    await expect(probeRfb('127.0.0.1', realPort, { timeoutMs: 3000 })).resolves.toMatchObject({
      ok: true,
      authentication: 'not-tried',
      securityTypes: [{ code: 2 }],
    });
    // An unused ticket is refused after --password-ttl: the console is never open between sessions.
    const unused = await requestSession(broker.url, 'reactos', client, options);
    await new Promise((resolve) => setTimeout(resolve, 6500));
    await expect(probeRfb('127.0.0.1', realPort, { timeoutMs: 3000, password: unused?.password ?? '' })).resolves.toMatchObject({
      ok: false,
      failure: 'auth-failed',
    });
    expect(broker.child.log).not.toContain(last);

    // Once listed as running, the catalog has the real port too.
    await waitFor('reactos listed as running', async () => (await guest(broker.url, 'reactos'))?.state === 'running');
    expect(await guest(broker.url, 'reactos')).toMatchObject({ host: '127.0.0.1', port: realPort, auth: 'vnc-password' });

    // A domain defined with a password: started as it is, the admin's password expired at once, a ticket per session.
    const xp = await requestSession(broker.url, 'winxp', client, options);
    expect(xp?.port).not.toBe(realPort);
    await expect(probeRfb('127.0.0.1', xp?.port ?? 0, { timeoutMs: 3000, password: 'defined1' })).resolves.toMatchObject({ ok: false, failure: 'auth-failed' });
    await expect(probeRfb('127.0.0.1', xp?.port ?? 0, { timeoutMs: 3000, password: xp?.password ?? '' })).resolves.toMatchObject({
      ok: true,
      desktop: expect.objectContaining({ name: 'QEMU (winxp)' }),
    });
  });

  it('lists consoles without a password or that clients cannot reach as unavailable with the reason, said once in the log; serves a guest described in vdd metadata', async () => {
    const libvirtd = await startLibvirtd(children, dir, 'libvirtd-reasons');
    await defineDomain(libvirtd, { name: 'open' });
    await libvirtd.virsh(['start', 'open']);
    await defineDomain(libvirtd, { name: 'nowhere', listenNone: true });
    await defineDomain(libvirtd, { name: 'headless', noGraphics: true });
    await defineDomain(libvirtd, {
      name: 'linux',
      metadata: `<vdd:guest xmlns:vdd='${vddNamespace}'><name>Debian lab</name><os>Debian 12</os><protocol>xdmcp</protocol><xdmcp host='127.0.0.1'/><pool>lab</pool></vdd:guest>`,
    });
    const broker = await startVddBroker(children, catalogFile, { extraArgs: ['--probe-interval', '1', '--libvirt', libvirtd.uri] });
    expect(await guest(broker.url, 'open')).toMatchObject({
      state: 'unavailable',
      reason: expect.stringContaining('runs without a password (started outside the broker)'),
    });
    expect(await guest(broker.url, 'nowhere')).toMatchObject({ state: 'unavailable', reason: 'its VNC console listens nowhere (listen type none)' });
    expect(await guest(broker.url, 'headless')).toBeUndefined();
    const refused = await requestSession(broker.url, 'open', client, options).catch((error: Error & { reason: string }) => error.reason);
    expect(refused).toMatch(/^HTTP 503: guest open cannot be used: its VNC console runs without a password/);
    // A guest described in libvirt: an XDMCP desktop started on request, answered with its display manager's address, no console ticket.
    // It is a desktop of the pool "lab": the menu lists the pool, and a PC choosing it gets a free desktop of it.
    expect(await guest(broker.url, 'linux')).toBeUndefined();
    expect(await guest(broker.url, 'lab')).toMatchObject({
      name: 'Debian lab',
      os: 'Debian 12',
      protocol: 'xdmcp',
      state: 'stopped',
      use: { sessions: 0, desktops: 1 },
    });
    const xdmcp = await requestSession(broker.url, 'lab', client, options);
    expect(xdmcp).toMatchObject({ state: 'starting', host: '127.0.0.1', port: 177, lease: { guest: 'linux' } });
    expect(xdmcp?.password).toBeUndefined();
    expect((await libvirtd.virsh(['domstate', 'linux'])).trim()).toBe('running');
    const hypervisor = libvirtEngine([libvirtd]);
    await hypervisor.refresh();
    expect(hypervisor.policy('linux')).toEqual({ pool: 'lab', resetAfterSession: false });
    expect(hypervisor.policy('headless')).toBeUndefined();
    hypervisor.close();
    // Three listing rounds later each condition has been logged once.
    await new Promise((resolve) => setTimeout(resolve, 3200));
    expect(broker.child.log.match(/libvirt domain open on .* is unavailable/g)).toHaveLength(1);
    expect(broker.child.log.match(/libvirt domain headless .*not listed/g)).toHaveLength(1);
  });

  it('keeps the other VM host working when one stops answering, and never falls back to another console', async () => {
    const [first, second] = await Promise.all([startLibvirtd(children, dir, 'vmhost1'), startLibvirtd(children, dir, 'vmhost2')]);
    await defineDomain(first, { name: 'desk' });
    await defineDomain(second, { name: 'desk' });
    const broker = await startVddBroker(children, catalogFile, {
      extraArgs: ['--probe-interval', '1', '--libvirt', `one=${first.uri}`, '--libvirt', `two=${second.uri}`],
    });
    expect((await guests(broker.url)).map((entry) => [entry.id, entry.state])).toEqual([
      ['one.desk', 'stopped'],
      ['two.desk', 'stopped'],
    ]);
    const one = await requestSession(broker.url, 'one.desk', client, options);
    const two = await requestSession(broker.url, 'two.desk', other, options);
    expect(one?.port).toBe(first.vncPorts.min);
    expect(two?.port).toBe(second.vncPorts.min);
    await expect(probeRfb('127.0.0.1', two?.port ?? 0, { timeoutMs: 3000, password: two?.password ?? '' })).resolves.toMatchObject({
      desktop: expect.objectContaining({ name: 'QEMU (desk)' }),
    });

    await second.child.stop();
    await waitFor('two.desk unavailable', async () => (await guest(broker.url, 'two.desk'))?.state === 'unavailable', { timeoutMs: 10_000 });
    expect(await guest(broker.url, 'two.desk')).toMatchObject({ reason: 'its VM host does not answer' });
    expect(await guest(broker.url, 'one.desk')).toMatchObject({ state: 'running', port: first.vncPorts.min });
    // Asked by the PC that holds it (any other PC is told it is in use).
    const refused = await requestSession(broker.url, 'two.desk', other, options).catch((error: Error & { reason: string }) => error.reason);
    expect(refused).toBe('HTTP 503: guest two.desk cannot be started: its VM host does not answer (unavailable)');
    expect(refused).not.toMatch(/virsh|socket|\//);
    expect(broker.child.log).toMatch(/VM host two does not answer; its 1 guests are unavailable until it does: virsh .*list --all --uuid/);
    await expect(requestSession(broker.url, 'one.desk', client, options)).resolves.toMatchObject({ port: first.vncPorts.min });
  });
});
