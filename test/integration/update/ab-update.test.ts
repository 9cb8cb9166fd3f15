// A/B update of a flashed disk with real files and block devices: a disk image laid out like
// vdd-thin.img, its slot partitions on loop devices, a loopback HTTP
// server that cuts root.squashfs in the middle; the launcher's half stages with resume, the root
// half installs. Unsigned, wrongly signed, truncated and corrupted versions are refused and the
// running slot and the boot files stay as they were. The FAT partition is a directory here: this
// machine's kernel has no vfat (the QEMU tests in test/e2e/ab-update.test.ts use the real one).
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { sfdiskScript, type DiskLayout } from '../../../image/plan/disk-layout.ts';
import { signVersionDirectory } from '../../../image/sign/sign-manifest.ts';
import { readBootFiles } from '../../../launcher/update/root-helper/boot-files.ts';
import { DownloadCut } from '../../../launcher/update/stage/resumable-download.ts';
import { installStaged, type SlotDisk } from '../../../launcher/update/root-helper/slot-install.ts';
import { UpdateRejected } from '../../../launcher/update/update-rejected.ts';
import { stageUpdate } from '../../../launcher/update/stage/stage-update.ts';
import { makeFakeVersion, makeTestKeys } from '../../support/fake-version.ts';
import { announceSkip, missingTools } from '../../support/skip-reason.ts';
import { useTempDir } from '../../support/temp-dir.ts';
import { startUpdateServer, type UpdateServer } from '../../support/update-server.ts';
import { sha256OfRange } from '../../support/hash-range.ts';

const mib = 1024 * 1024;
const skip = announceSkip(
  'A/B update on loop devices',
  missingTools(['losetup', 'sfdisk']) ?? (process.getuid?.() === 0 ? undefined : 'needs root for loop devices and mount'),
);

describe.skipIf(skip)('A/B update of a flashed disk', () => {
  const dir = useTempDir('vdd-ab-');
  const keys = makeTestKeys();
  const loops: string[] = [];
  const fat = join(dir, 'fat');
  let disk: SlotDisk;
  let server: UpdateServer;
  const layout: DiskLayout = {
    size: 53 * mib,
    boot: { number: 1, offset: mib, size: 4 * mib, type: 'c', bootable: true },
    slotA: { number: 2, offset: 5 * mib, size: 24 * mib, type: '83', bootable: false },
    slotB: { number: 3, offset: 29 * mib, size: 24 * mib, type: '83', bootable: false },
  };
  const image = join(dir, 'vdd-thin.img');
  const version = join(dir, 'server');
  const rootBytes = 12 * mib + 1234;

  const attach = (offset: number, size: number) => {
    const device = execFileSync('losetup', ['--find', '--show', '--offset', String(offset), '--sizelimit', String(size), image])
      .toString()
      .trim();
    loops.push(device);
    return device;
  };

  afterAll(async () => {
    await server?.close();
    for (const device of loops) execFileSync('losetup', ['--detach', device]);
  });

  /** A freshly flashed disk: slot A running, B empty, both loaders on A. */
  const flash = () => {
    if (loops.length) {
      for (const device of loops.splice(0)) execFileSync('losetup', ['--detach', device]);
    }
    writeFileSync(image, '');
    truncateSync(image, layout.size);
    execFileSync('sfdisk', ['--quiet', '--no-reread', '--no-tell-kernel', image], { input: sfdiskScript(layout) });
    rmSync(fat, { recursive: true, force: true });
    for (const sub of ['a', 'syslinux', 'loader/entries']) mkdirSync(join(fat, sub), { recursive: true });
    writeFileSync(join(fat, 'syslinux/syslinux.cfg'), 'PROMPT 0\nDEFAULT a\nLABEL a\n  KERNEL /a/vmlinuz\nLABEL b\n  KERNEL /b/vmlinuz\n');
    writeFileSync(join(fat, 'loader/loader.conf'), 'default vdd-a.conf\ntimeout 0\neditor no\n');
    writeFileSync(join(fat, 'a/vmlinuz'), 'old kernel');
    const fd = openSync(image, 'r+');
    writeSync(fd, Buffer.concat([Buffer.from('hsqs'), randomBytes(4 * mib)]), 0, 4 * mib + 4, layout.slotA.offset);
    closeSync(fd);
    disk = {
      fat,
      devices: { a: attach(layout.slotA.offset, layout.slotA.size), b: attach(layout.slotB.offset, layout.slotB.size) },
      running: 'a',
      publicKey: keys.publicKeyPem,
    };
  };

  const snapshot = () => ({
    boot: readBootFiles(fat),
    syslinux: readFileSync(join(fat, 'syslinux/syslinux.cfg'), 'utf8'),
    slotA: sha256OfRange(disk.devices.a, layout.slotA.size),
    bDir: existsSync(join(fat, 'b')),
  });

  beforeEach(async () => {
    flash();
    rmSync(version, { recursive: true, force: true });
    await makeFakeVersion(version, '0.2.0', { 'root.squashfs': rootBytes, vmlinuz: 300 * 1024, 'initrd.img': 200 * 1024 });
    const fd = openSync(join(version, 'root.squashfs'), 'r+');
    writeSync(fd, Buffer.from('hsqs'), 0, 4, 0);
    closeSync(fd);
    // Described again after the magic changed: the signed sizes and hashes are the served bytes'.
    rewriteManifest(version);
    signVersionDirectory(version, keys.privateKey);
    server ??= await startUpdateServer(version);
    server.requests.length = 0;
  });

  const stage = (staging: string, attempts = 4) => stageUpdate({ base: server.base, staging, publicKey: keys.publicKeyPem, idleMs: 5000, attempts });

  it('resumes root.squashfs after the connection is cut twice, installs slot B and sets its trial start', async () => {
    server.cut({ name: 'root.squashfs', afterBytes: 5 * mib, times: 2 });
    const staging = join(dir, 'staging-resume');
    const staged = await stage(staging);
    expect(staged.manifest.version).toBe('0.2.0');
    const rootRequests = server.requests.filter((request) => request.name === 'root.squashfs');
    expect(rootRequests.map((request) => request.range)).toEqual([undefined, `bytes=${5 * mib}-`, `bytes=${10 * mib}-`]);
    expect(rootRequests.map((request) => request.status)).toEqual([200, 206, 206]);
    expect(staged.downloadedBytes).toBe(rootBytes + 300 * 1024 + 200 * 1024);
    expect(staged.resumedFrom).toEqual({ vmlinuz: 0, 'initrd.img': 0, 'root.squashfs': 0 });

    const result = await installStaged(disk, staging);
    expect(result).toEqual({ version: '0.2.0', slot: 'b' });
    expect(sha256OfRange(disk.devices.b, rootBytes)).toBe(sha256OfRange(join(version, 'root.squashfs'), rootBytes));
    expect(readFileSync(join(fat, 'b/vmlinuz')).equals(readFileSync(join(version, 'vmlinuz')))).toBe(true);
    expect(readFileSync(join(fat, 'b/initrd.img')).equals(readFileSync(join(version, 'initrd.img')))).toBe(true);
    expect(readBootFiles(fat)).toEqual({ syslinux: 'b', loader: 'b', trial: { slot: 'b', phase: 'pending' } });
    expect(readFileSync(join(fat, 'syslinux/syslinux.cfg'), 'utf8')).toContain('LABEL a\n  KERNEL /a/vmlinuz\nLABEL b');
    expect(existsSync(join(fat, 'syslinux/syslinux.cfg.new'))).toBe(false);
  });

  it('resumes a download a restarted launcher left behind', async () => {
    server.cut({ name: 'root.squashfs', afterBytes: 3 * mib, times: 1 });
    const staging = join(dir, 'staging-restart');
    await expect(stage(staging, 1)).rejects.toBeInstanceOf(DownloadCut);
    expect(statSync(join(staging, 'root.squashfs.part')).size).toBe(3 * mib);
    expect((await stage(staging, 1)).resumedFrom['root.squashfs']).toBe(3 * mib);
    expect(server.requests.filter((request) => request.name === 'root.squashfs').at(-1)?.range).toBe(`bytes=${3 * mib}-`);
    expect(sha256OfRange(join(staging, 'root.squashfs'), rootBytes)).toBe(sha256OfRange(join(version, 'root.squashfs'), rootBytes));
  });

  it('refuses an unsigned version', async () => {
    const before = snapshot();
    rmSync(join(version, 'manifest.json.sig'));
    await expect(stage(join(dir, 'staging-unsigned'))).rejects.toThrow(/no manifest.json.sig: the version is not signed/);
    expect(snapshot()).toEqual(before);
  });

  it('refuses a version signed with another key', async () => {
    const before = snapshot();
    signVersionDirectory(version, makeTestKeys().privateKey);
    await expect(stage(join(dir, 'staging-other-key'))).rejects.toThrow(/signature does not match manifest.json/);
    expect(snapshot()).toEqual(before);
  });

  it('refuses a corrupted root.squashfs and drops the useless download', async () => {
    const before = snapshot();
    const fd = openSync(join(version, 'root.squashfs'), 'r+');
    writeSync(fd, Buffer.from('X'), 0, 1, 7 * mib);
    closeSync(fd);
    const staging = join(dir, 'staging-corrupt');
    const error = await stage(staging).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UpdateRejected);
    expect((error as Error).message).toMatch(/root.squashfs: sha256 .* does not match the manifest's .*corrupted.*refused/);
    expect(existsSync(join(staging, 'root.squashfs.part'))).toBe(false);
    expect(snapshot()).toEqual(before);
  });

  it('refuses a truncated root.squashfs', async () => {
    const before = snapshot();
    truncateSync(join(version, 'root.squashfs'), 6 * mib);
    await expect(stage(join(dir, 'staging-truncated'))).rejects.toThrow(
      /root.squashfs: the server's file has 6291456 bytes, the signed manifest says 12584146: truncated/,
    );
    // Cut off after a first part arrived: the resume finds the file shorter.
    truncateSync(join(version, 'root.squashfs'), 12584146);
    server.cut({ name: 'root.squashfs', afterBytes: 6 * mib, times: 1 });
    const staging = join(dir, 'staging-truncated-later');
    await expect(stage(staging, 1)).rejects.toBeInstanceOf(DownloadCut);
    truncateSync(join(version, 'root.squashfs'), 6 * mib);
    await expect(stage(staging)).rejects.toThrow(/root.squashfs: the server's file has 6291456 bytes, the signed manifest says 12584146: truncated/);
    expect(snapshot()).toEqual(before);
  });

  it('the root half checks again: a staged file changed after the download is refused, the boot files stay', async () => {
    const staging = join(dir, 'staging-tampered');
    await stage(staging);
    const before = snapshot();
    const fd = openSync(join(staging, 'root.squashfs'), 'r+');
    writeSync(fd, Buffer.from('evil'), 0, 4, 2 * mib);
    closeSync(fd);
    await expect(installStaged(disk, staging)).rejects.toThrow(/root.squashfs: sha256 is not the signed one/);
    expect(snapshot()).toEqual(before);
    // The half-written slot lost its squashfs magic: nothing will ever mount it.
    expect(readFileSync(disk.devices.b).subarray(0, 4).toString('latin1')).not.toBe('hsqs');

    writeFileSync(join(staging, 'manifest.json'), readFileSync(join(staging, 'manifest.json'), 'utf8').replace('0.2.0', '0.2.1'));
    await expect(installStaged(disk, staging)).rejects.toThrow(/signature does not match/);
    rmSync(join(staging, 'vmlinuz'));
    writeFileSync(join(dir, 'secret'), 'root only');
    execFileSync('ln', ['-s', join(dir, 'secret'), join(staging, 'vmlinuz')]);
    signManifestCopy(staging);
    await expect(installStaged(disk, staging)).rejects.toThrow(/vmlinuz: is a symbolic link/);
    expect(snapshot()).toEqual(before);
  });

  it('refuses to install while a trial is open or onto the running slot', async () => {
    const staging = join(dir, 'staging-twice');
    await stage(staging);
    await installStaged(disk, staging);
    await expect(installStaged(disk, staging)).rejects.toThrow(/a trial of slot b is still open \(pending\)/);
  });

  /** The staged manifest signed again with the right key: only the file checks are left to fail. */
  function signManifestCopy(staging: string): void {
    writeFileSync(join(staging, 'manifest.json'), readFileSync(join(version, 'manifest.json')));
    signVersionDirectory(staging, keys.privateKey);
  }
});

/** manifest.json of dir described again from the files (after a test changed one). */
function rewriteManifest(dir: string): void {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { artifacts: Record<string, { sha256: string; size: number }> };
  for (const name of Object.keys(manifest.artifacts)) {
    const bytes = readFileSync(join(dir, name));
    manifest.artifacts[name] = { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
  }
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}
