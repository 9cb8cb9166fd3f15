// vdd-broker against a real libvirtd through a desktop's life: a reset: after-session guest (vdd
// metadata, an internal snapshot on a qcow2 disk) loses what a session changed before the next one;
// a missing snapshot, a domain destroyed, renamed or undefined while listed, and libvirtd restarted
// each end with a reason, never with another guest's console.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fetchCatalog } from '../../../launcher/broker-client/catalog-fetch.ts';
import { requestSession } from '../../../launcher/broker-client/session-request.ts';
import { probeRfb } from '../../../common/probe/rfb-handshake.ts';
import { vddNamespace } from '../../../broker/libvirt/vdd-metadata.ts';
import { useChildren, waitFor } from '../../support/children.ts';
import { leaseAction } from '../../support/pc-requests.ts';
import { defineDomain, type Libvirtd, libvirtdUnavailable, startLibvirtd } from '../../support/peers/libvirtd.ts';
import { startVddBroker, writeEmptyCatalog } from '../../support/peers/vdd-broker.ts';
import { announceSkip, missingTools } from '../../support/skip-reason.ts';
import { useTempDir } from '../../support/temp-dir.ts';

const unavailable = announceSkip('vdd-broker desktops through their life on a real libvirtd', libvirtdUnavailable() ?? missingTools(['qemu-img', 'qemu-io']));

const client = { mac: '52:54:00:12:34:56', hostname: 'lab-pc07' };

/** Writes a pattern to the running domain's disk through its own virtio disk (QEMU's qemu-io monitor command), as a session would, and flushes it. */
async function writeAsSession(libvirtd: Libvirtd, domain: string): Promise<void> {
  for (const command of ['write -P 0x5a 0 512', 'flush'])
    await libvirtd.virsh(['qemu-monitor-command', domain, '--hmp', `qemu-io -d /machine/peripheral/virtio-disk0/virtio-backend "${command}"`]);
}

/** Whether the disk image holds the pattern now (read beside the running QEMU, without locking). */
function diskHasPattern(disk: string): boolean {
  try {
    execFileSync('qemu-io', ['-r', '-U', '-f', 'qcow2', '-c', 'read -P 0x5a 0 512', disk], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(unavailable)('vdd-broker --libvirt: fresh desktops and faults', { timeout: 90_000 }, () => {
  const children = useChildren();
  const dir = useTempDir();
  const options = { caFile: join(dir, 'no-ca.pem'), timeoutMs: 30_000 };
  const catalogFile = writeEmptyCatalog(dir);
  const guest = async (url: string, id: string) => {
    const answer = await fetchCatalog(url, options);
    return answer.kind === 'catalog' ? answer.catalog.guests.find((listed) => listed.id === id) : undefined;
  };

  it('gives the next session a fresh desktop: what one session wrote is gone, by the snapshot the vdd metadata names, when the PC reports the session over or its lease ends, never under a PC that keeps its lease', async () => {
    const libvirtd = await startLibvirtd(children, dir, 'libvirtd-reset');
    const disk = join(dir, 'lab.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '1M']);
    const metadata = (snapshot: string) =>
      `<vdd:guest xmlns:vdd='${vddNamespace}'><name>Lab desktop</name><os>SeaBIOS</os><reset when='after-session' snapshot='${snapshot}'/></vdd:guest>`;
    await defineDomain(libvirtd, { name: 'lab', passwd: 'admin123', disk, metadata: metadata('clean') });
    await libvirtd.virsh(['start', 'lab']);
    await libvirtd.virsh(['snapshot-create-as', 'lab', 'clean']);
    await libvirtd.virsh(['destroy', 'lab']);
    await defineDomain(libvirtd, { name: 'nosnap', metadata: metadata('missing') });
    const broker = await startVddBroker(children, catalogFile, { extraArgs: ['--probe-interval', '30', '--reset-grace', '2', '--libvirt', libvirtd.uri] });
    expect(await guest(broker.url, 'lab')).toMatchObject({ name: 'Lab desktop', os: 'SeaBIOS', state: 'stopped' });

    const resets = () => broker.child.log.match(/reverted to snapshot clean/g)?.length ?? 0;
    // First session: the broker does not know what happened before it: it reverts first.
    await requestSession(broker.url, 'lab', client, options);
    expect(resets()).toBe(1);
    await writeAsSession(libvirtd, 'lab');
    expect(diskHasPattern(disk)).toBe(true);

    // The launcher reports the session over: the desktop is reverted at once (a report from another PC changes nothing).
    const over = (mac: string) =>
      fetch(new URL(`v1/clients/${mac}/report`, broker.url), {
        method: 'POST',
        body: JSON.stringify({
          client: { mac },
          sessions: [{ guestId: 'lab', protocol: 'vnc', startedAt: new Date().toISOString(), seconds: 5, outcome: 'ended' }],
        }),
      });
    expect((await over('52:54:00:99:99:99')).status).toBe(204);
    expect((await over(client.mac)).status).toBe(204);
    await waitFor('the reset after the reported end', () => resets() >= 2, { timeoutMs: 10_000 });
    expect(diskHasPattern(disk)).toBe(false);

    // Second session: its console connection ends (a viewer that crashed) while the PC keeps its
    // lease: past the reset grace the desktop is kept, and the same PC asking again gets it back
    // as it was. When the lease ends (the launcher ends it when the session is over), it is reverted.
    const second = await requestSession(broker.url, 'lab', client, options);
    expect(resets()).toBe(2);
    await writeAsSession(libvirtd, 'lab');
    await expect(probeRfb('127.0.0.1', second?.port ?? 0, { timeoutMs: 3000, password: second?.password ?? '' })).resolves.toMatchObject({ ok: true });
    await new Promise((resolve) => setTimeout(resolve, 3500));
    const resumed = await requestSession(broker.url, 'lab', client, options);
    expect(resumed?.lease?.id).toBe(second?.lease?.id);
    expect(resets()).toBe(2);
    expect(diskHasPattern(disk)).toBe(true);
    const lease = resumed?.lease;
    if (lease === undefined) throw new Error('no lease');
    expect(await leaseAction(broker.url, lease.id, 'end', { token: lease.token })).toMatchObject({ status: 204 });
    await waitFor('the reset after the lease ended', () => resets() >= 3, { timeoutMs: 15_000 });
    expect(diskHasPattern(disk)).toBe(false);
    const third = await requestSession(broker.url, 'lab', client, options);
    expect(resets()).toBe(3);
    await expect(probeRfb('127.0.0.1', third?.port ?? 0, { timeoutMs: 3000, password: third?.password ?? '' })).resolves.toMatchObject({
      ok: true,
      desktop: expect.objectContaining({ name: 'QEMU (lab)' }),
    });
    // The admin's password from the definition never opens the console.
    await expect(probeRfb('127.0.0.1', third?.port ?? 0, { timeoutMs: 3000, password: 'admin123' })).resolves.toMatchObject({
      ok: false,
      failure: 'auth-failed',
    });

    // A missing snapshot: a reason on the PC and in the catalog, nothing started.
    const refused = await requestSession(broker.url, 'nosnap', client, options).catch((error: Error & { reason: string }) => error.reason);
    expect(refused).toBe('HTTP 503: guest nosnap cannot be reset: its snapshot missing is missing (unavailable)');
    await waitFor('nosnap unavailable', async () => (await guest(broker.url, 'nosnap'))?.state === 'unavailable');
    expect(await guest(broker.url, 'nosnap')).toMatchObject({ reason: 'cannot be reset: its snapshot missing is missing' });
    expect(await libvirtd.virsh(['domstate', 'nosnap'])).toContain('shut off');
  });

  it('follows domains destroyed, renamed or undefined while listed, and libvirtd restarted', async () => {
    let libvirtd = await startLibvirtd(children, dir, 'libvirtd-faults');
    await defineDomain(libvirtd, { name: 'desk' });
    await defineDomain(libvirtd, { name: 'spare' });
    await defineDomain(libvirtd, { name: 'gone' });
    const broker = await startVddBroker(children, catalogFile, { extraArgs: ['--probe-interval', '60', '--libvirt', libvirtd.uri] });
    const answer = await requestSession(broker.url, 'desk', client, options);
    await waitFor('desk running', async () => (await guest(broker.url, 'desk'))?.state === 'running');

    // Destroyed mid-session: the catalog says stopped within a moment (libvirt's event, not the next round).
    await libvirtd.virsh(['destroy', 'desk']);
    await waitFor('desk stopped', async () => (await guest(broker.url, 'desk'))?.state === 'stopped', { timeoutMs: 3000 });
    await expect(probeRfb('127.0.0.1', answer?.port ?? 0, { timeoutMs: 2000, password: answer?.password ?? '' })).resolves.toMatchObject({ ok: false });

    // Renamed and undefined while listed: the old ids are gone, the new name is listed.
    await libvirtd.virsh(['domrename', 'spare', 'spare2']);
    await libvirtd.virsh(['undefine', 'gone']);
    await libvirtd.virsh(['start', 'desk']);
    await libvirtd.virsh(['destroy', 'desk']);
    await waitFor('spare2 listed', async () => (await guest(broker.url, 'spare2')) !== undefined, { timeoutMs: 5000 });
    expect(await guest(broker.url, 'spare')).toBeUndefined();
    expect(await guest(broker.url, 'gone')).toBeUndefined();
    const gone = await requestSession(broker.url, 'gone', client, options).catch((error: Error & { reason: string }) => error.reason);
    expect(gone).toBe('HTTP 404: no guest with id gone (not-found)');

    // libvirtd restarted: its guests are unavailable while it is down and come back without the broker restarting.
    await libvirtd.child.stop();
    await waitFor('desk unavailable', async () => (await guest(broker.url, 'desk'))?.state === 'unavailable', { timeoutMs: 10_000 });
    libvirtd = await startLibvirtd(children, dir, 'libvirtd-faults');
    await waitFor('desk listed again', async () => (await guest(broker.url, 'desk'))?.state === 'stopped', { timeoutMs: 15_000 });
    const again = await requestSession(broker.url, 'desk', client, options);
    await expect(probeRfb('127.0.0.1', again?.port ?? 0, { timeoutMs: 3000, password: again?.password ?? '' })).resolves.toMatchObject({
      desktop: expect.objectContaining({ name: 'QEMU (desk)' }),
    });
    expect(broker.child.log).toMatch(/VM host .* answers again: 2 domains/);
  });
});
