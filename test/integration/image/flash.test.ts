// vdd-image flash on real loop devices: write + read-back verify, vdd.conf in the FAT partition,
// refusals (mounted disk, disk with a mounted partition, swap, partition or loop on a partition
// without --force, too small, the root disk, not a block device, invalid config, damaged image),
// an image file target, and corruption found on read-back.
// A synthetic disk laid out like vdd-thin.img keeps it quick; the last test flashes the built
// image when there is one. Needs root and loop devices; skips loudly without them.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findImageDir } from '../../../image/boot/boot-image.ts';
import { verifyImage } from '../../../image/flash/verify-image.ts';
import { makeSyntheticDisk } from '../../support/synthetic-disk.ts';
import { makeTestCa } from '../../support/peers/test-ca.ts';
import { useTempDir } from '../../support/temp-dir.ts';
import { sampleManifest } from '../../support/sample-manifest.ts';
import { sha256OfRange } from '../../support/hash-range.ts';

const program = new URL('../../../bin/vdd-image.js', import.meta.url).pathname;
const repository = new URL('../../../', import.meta.url).pathname;
const mib = 1024 * 1024;

function loopDevicesUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  if (!existsSync('/dev/loop-control')) return '/dev/loop-control is missing';
  const probe = spawnSync('losetup', ['--find'], { encoding: 'utf8' });
  if (probe.status !== 0) return `losetup --find failed: ${probe.stderr.trim() || probe.error?.message}`;
  return undefined;
}

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env) {
  const result = spawnSync(command, args, { encoding: 'utf8', env, timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function must(command: string, args: readonly string[]): string {
  const result = run(command, args);
  if (result.status !== 0) throw new Error(`${[command, ...args].join(' ')}: exit ${result.status}\n${result.stderr}`);
  return result.stdout;
}

function vddImage(...args: string[]) {
  return run(process.execPath, [program, ...args]);
}

const unavailable = loopDevicesUnavailable();
if (unavailable !== undefined) {
  process.stderr.write(`\n*** SKIPPED: vdd-image flash tests need loop devices: ${unavailable} ***\n\n`);
  describe('vdd-image flash', () => {
    it.skip(`SKIPPED: loop devices unavailable (${unavailable})`, () => {});
  });
} else {
  describe('vdd-image flash', () => {
    const work = useTempDir('vdd-flash-');
    const loops: string[] = [];
    const mounts: string[] = [];
    const swaps: string[] = [];
    afterAll(() => {
      for (const swap of swaps.splice(0)) run('swapoff', [swap]);
      for (const mountPoint of mounts.splice(0).reverse()) run('umount', [mountPoint]);
      for (const loop of loops.splice(0)) run('losetup', ['--detach', loop]);
    });

    /** A sparse backing file of sizeMiB attached to a free loop device, detached by name afterwards. */
    function loopDevice(name: string, sizeMiB: number): string {
      const file = join(work, `${name}.backing`);
      writeFileSync(file, '');
      truncateSync(file, sizeMiB * mib);
      const loop = must('losetup', ['--find', '--show', file]).trim();
      loops.push(loop);
      return loop;
    }

    /** The same with a partition table (an sfdisk script) and its partitions visible as LOOPpN. */
    function partitionedLoop(name: string, sizeMiB: number, script: string): string {
      const file = join(work, `${name}.backing`);
      writeFileSync(file, '');
      truncateSync(file, sizeMiB * mib);
      const sfdisk = spawnSync('sfdisk', ['--quiet', '--no-reread', '--no-tell-kernel', file], { input: script, encoding: 'utf8' });
      if (sfdisk.status !== 0) throw new Error(`sfdisk: ${sfdisk.stderr}`);
      const loop = must('losetup', ['--find', '--show', '--partscan', file]).trim();
      loops.push(loop);
      // --partscan does not always make the partitions appear here; partx adds them either way.
      if (!existsSync(`${loop}p1`)) must('partx', ['--add', loop]);
      return loop;
    }

    function mountExt4(device: string, name: string): string {
      must('mkfs.ext4', ['-q', '-F', device]);
      const mountPoint = join(work, `mnt-${name}`);
      mkdirSync(mountPoint, { recursive: true });
      must('mount', [device, mountPoint]);
      mounts.push(mountPoint);
      return mountPoint;
    }

    const image = join(work, 'synthetic.img');
    makeSyntheticDisk(image, 16);
    const imageSha = sha256OfRange(image, 16 * mib);
    const config = join(work, 'vdd.conf');
    writeFileSync(config, '# site\n[common]\nbroker = https://vdd.example.org:8443/\nmenu_timeout = 5\n\n[lab-*]\ndefault_guest = debian\n');

    it('writes the image to a whole loop device, shows progress, reads it back and reports --json', () => {
      const loop = loopDevice('whole', 32);
      const result = vddImage('flash', '--device', loop, '--image', image, '--json');
      expect(result.status, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout) as Record<string, unknown>;
      expect(report).toMatchObject({
        image,
        target: loop,
        kind: 'device',
        bytes: 16 * mib,
        sha256: imageSha,
        verified: true,
        matchesManifest: null,
        config: null,
      });
      expect(sha256OfRange(loop, 16 * mib)).toBe(imageSha);
      // The kernel was told about the new partition table.
      expect(existsSync(`${loop}p1`) && existsSync(`${loop}p3`), result.stderr).toBe(true);
      // stderr is not a terminal here: plain progress lines with bytes, speed and time left.
      expect(result.stderr).toMatch(/^writing: \d+%, [\d.]+\/16\.8 MB, [\d.]+ MB\/s, \d+:\d\d left$/m);
      expect(result.stderr).toMatch(/^verifying: 16\.8 MB in [\d.]+ s \([\d.]+ MB\/s\)$/m);
    });

    it('--config is checked, then lands as vdd.conf in the FAT partition', () => {
      const loop = loopDevice('config', 32);
      const result = vddImage('flash', '--device', loop, '--image', image, '--config', config);
      expect(result.status, result.stderr).toBe(0);
      const readBack = run('mcopy', ['-i', `${loop}@@${mib}`, '::/vdd.conf', '-'], { ...process.env, MTOOLS_SKIP_CHECK: '1' });
      expect(readBack.status, readBack.stderr).toBe(0);
      expect(readBack.stdout).toBe(readFileSync(config, 'utf8'));
      expect(run('mlabel', ['-s', '-i', `${loop}@@${mib}`], { ...process.env, MTOOLS_SKIP_CHECK: '1' }).stdout).toContain('VDDBOOT');
    });

    it('an invalid --config is refused before anything is written, each problem with file, line and key', () => {
      const loop = loopDevice('bad-config', 32);
      const bad = join(work, 'bad.conf');
      writeFileSync(bad, '[common]\nmenu_timout = 5\nbroker = ftp://x/\n');
      const result = vddImage('flash', '--device', loop, '--image', image, '--config', bad);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`--config ${bad} is not valid, so nothing was written`);
      expect(result.stderr).toContain(`${bad}:2 [common]: menu_timout: unknown key (did you mean menu_timeout?)`);
      expect(result.stderr).toContain(`${bad}:3 [common]: broker: "ftp://x/"`);
      expect(sha256OfRange(loop, 16 * mib)).toBe(
        createHash('sha256')
          .update(Buffer.alloc(16 * mib))
          .digest('hex'),
      );
    });

    it('refuses a mounted loop device', () => {
      const loop = loopDevice('mounted', 32);
      const mountPoint = mountExt4(loop, 'whole');
      const result = vddImage('flash', '--device', loop, '--image', image);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`vdd-image: ${loop} is in use (${loop} is mounted on ${mountPoint}); unmount it or turn it off first.`);
    });

    it('refuses a disk one of whose partitions is mounted', () => {
      const loop = partitionedLoop('mounted-part', 64, 'label: dos\nstart=2048, size=40960, type=83\n');
      const mountPoint = mountExt4(`${loop}p1`, 'part');
      const result = vddImage('flash', '--device', loop, '--image', image);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`vdd-image: ${loop} is in use through ${loop}p1 (${loop}p1 is mounted on ${mountPoint})`);
    });

    it('refuses a loop device in use as swap', () => {
      const loop = loopDevice('swap', 32);
      must('mkswap', [loop]);
      // The kernel gives it a lower priority than any swap set up before: used last, if ever.
      must('swapon', [loop]);
      swaps.push(loop);
      const result = vddImage('flash', '--device', loop, '--image', image);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`vdd-image: ${loop} is in use (${loop} is active swap); unmount it or turn it off first.`);
    });

    it('refuses a loop device set up on a partition unless --force', () => {
      const disk = partitionedLoop('under-loop', 64, 'label: dos\nstart=2048, size=65536, type=83\n');
      const loop = must('losetup', ['--find', '--show', `${disk}p1`]).trim();
      loops.unshift(loop);
      const refused = vddImage('flash', '--device', loop, '--image', image);
      expect(refused.status).toBe(1);
      expect(refused.stderr).toContain(
        `vdd-image: ${loop} is built on ${disk}p1 (a device-mapper, RAID or loop device), not a whole disk; add --force to write to it anyway.`,
      );
      expect(vddImage('flash', '--device', loop, '--image', image, '--force').status).toBe(0);
      expect(sha256OfRange(`${disk}p1`, 16 * mib)).toBe(imageSha);
    });

    it('refuses a partition unless --force, then writes into it', () => {
      const loop = partitionedLoop('partition', 64, 'label: dos\nstart=2048, size=65536, type=83\n');
      const refused = vddImage('flash', '--device', `${loop}p1`, '--image', image);
      expect(refused.status).toBe(1);
      expect(refused.stderr).toContain(
        `vdd-image: ${loop}p1 is partition 1 of ${loop}, not a whole disk; flash ${loop}, or add --force to write into the partition.`,
      );
      const forced = vddImage('flash', '--device', `${loop}p1`, '--image', image, '--force');
      expect(forced.status, forced.stderr).toBe(0);
      expect(sha256OfRange(`${loop}p1`, 16 * mib)).toBe(imageSha);
    });

    it('refuses a device smaller than the image, and a path that is not a block device', () => {
      const loop = loopDevice('small', 8);
      const small = vddImage('flash', '--device', loop, '--image', image);
      expect(small.status).toBe(1);
      expect(small.stderr).toContain(`vdd-image: ${loop} holds 8.4 MB, less than the 16.8 MB image.`);
      const file = vddImage('flash', '--device', config, '--image', image);
      expect(file.status).toBe(1);
      expect(file.stderr).toContain(`${config} is not a block device; to write an image file use --file.`);
    });

    it('refuses the disk that holds the root filesystem', () => {
      const rootSource = must('findmnt', ['--noheadings', '--output', 'SOURCE', '/']).trim();
      if (!rootSource.startsWith('/dev/') || !statSync(rootSource).isBlockDevice()) {
        process.stderr.write(`*** SKIPPED: / is on ${rootSource}, not a block device ***\n`);
        return;
      }
      const result = vddImage('flash', '--device', rootSource, '--image', image, '--force');
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`vdd-image: ${rootSource} is on the disk that holds the running system's root filesystem`);
    });

    it('--file writes a sparse copy of the image and verifies it', () => {
      const target = join(work, 'copy.img');
      writeFileSync(target, 'old contents that must go');
      const result = vddImage('flash', '--file', target, '--image', image, '--config', config, '--json');
      expect(result.status, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ kind: 'file', bytes: 16 * mib, sha256: imageSha, config });
      expect(statSync(target).size).toBe(16 * mib);
      // Slot B is all zeros in the synthetic image: those chunks stay holes in the copy.
      expect(statSync(target).blocks * 512).toBeLessThan(16 * mib);
    });

    it('--client-cert and --client-key land next to vdd.conf, once the pair and the config are right', () => {
      const ca = makeTestCa(work, 'flash-client', ['lab-pc07']);
      const other = makeTestCa(work, 'flash-other', ['lab-pc08']);
      const target = join(work, 'client.img');
      const pointing = join(work, 'client-vdd.conf');
      writeFileSync(
        pointing,
        'broker = https://broker.lab:8443/\nbroker_client_cert = /run/vdd/disk/client.pem\nbroker_client_key = /run/vdd/disk/client.key\n',
      );
      const flashWith = (...extra: string[]) => vddImage('flash', '--file', target, '--image', image, ...extra);
      // The wrong key, a config that does not point at them, no config: refused before writing.
      expect(flashWith('--config', pointing, '--client-cert', ca.certFile, '--client-key', other.keyFile)).toMatchObject({
        status: 1,
        stderr: expect.stringContaining(`--client-key ${other.keyFile} is not the key of --client-cert ${ca.certFile}`),
      });
      expect(flashWith('--config', config, '--client-cert', ca.certFile, '--client-key', ca.keyFile)).toMatchObject({
        status: 1,
        stderr: expect.stringContaining('broker_client_cert = /run/vdd/disk/client.pem'),
      });
      expect(flashWith('--client-cert', ca.certFile)).toMatchObject({
        status: 2,
        stderr: expect.stringContaining('--client-cert and --client-key go together'),
      });
      expect(existsSync(target)).toBe(false);
      const result = flashWith('--config', pointing, '--client-cert', ca.certFile, '--client-key', ca.keyFile);
      expect(result.status, result.stderr).toBe(0);
      const fat = `${target}@@${mib}`;
      const env = { ...process.env, MTOOLS_SKIP_CHECK: '1' };
      expect(run('mcopy', ['-i', fat, '::/client.pem', '-'], env).stdout).toBe(readFileSync(ca.certFile, 'utf8'));
      expect(run('mcopy', ['-i', fat, '::/client.key', '-'], env).stdout).toBe(readFileSync(ca.keyFile, 'utf8'));
    });

    it('read-back finds a device changed after writing and names the first byte that differs', async () => {
      const loop = loopDevice('corrupt', 32);
      expect(vddImage('flash', '--device', loop, '--image', image).status).toBe(0);
      const offset = 9 * mib + 1234;
      const fd = openSync(loop, 'r+');
      try {
        const original = Buffer.alloc(1);
        readSync(fd, original, 0, 1, offset);
        writeSync(fd, Buffer.from([(original[0] ?? 0) ^ 0xff]), 0, 1, offset);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      const progress: string[] = [];
      await expect(verifyImage(image, { kind: 'device', path: loop }, { write: (text: string) => progress.push(text) })).rejects.toThrow(
        `${loop} differs from ${image} at byte ${offset} (sector ${Math.floor(offset / 512)})`,
      );
    });

    it('checks the image against the sha256 and size its manifest.json records', () => {
      const outRoot = join(work, 'out');
      const versionDir = join(outRoot, '1.0.0');
      mkdirSync(versionDir, { recursive: true });
      copyFileSync(image, join(versionDir, 'vdd-thin.img'));
      const artifact = { sha256: imageSha, size: 16 * mib };
      const manifest = { ...sampleManifest('1.0.0', artifact), payloadBytes: 0, payloadBudgetBytes: 0 };
      const writeManifest = (entry: typeof artifact) =>
        writeFileSync(join(versionDir, 'manifest.json'), JSON.stringify({ ...manifest, artifacts: { ...manifest.artifacts, 'vdd-thin.img': entry } }));
      const target = join(work, 'from-version.img');

      writeManifest(artifact);
      const good = vddImage('flash', '--file', target, '--out', outRoot, '--json');
      expect(good.status, good.stderr).toBe(0);
      expect(JSON.parse(good.stdout)).toMatchObject({ image: join(versionDir, 'vdd-thin.img'), matchesManifest: true });

      writeManifest({ ...artifact, sha256: '0'.repeat(64) });
      const damaged = vddImage('flash', '--file', target, '--out', outRoot, '--image-version', '1.0.0');
      expect(damaged.status).toBe(1);
      expect(damaged.stderr).toContain(`does not match its manifest.json (sha256 ${imageSha}, the manifest says ${'0'.repeat(64)})`);

      writeManifest({ ...artifact, size: 8 * mib });
      const wrongSize = vddImage('flash', '--file', target, '--out', outRoot);
      expect(wrongSize.status).toBe(1);
      expect(wrongSize.stderr).toContain(`is ${16 * mib} bytes but its manifest.json says ${8 * mib}`);
      expect(wrongSize.stderr).not.toContain('writing');
    });

    it('Ctrl-C while writing says the target holds part of an image, exit 130', async () => {
      const large = join(work, 'large.img');
      makeSyntheticDisk(large, 128);
      const child = spawn(process.execPath, [program, 'flash', '--file', join(work, 'partial.img'), '--image', large], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      let signalled = false;
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        // The first progress line: the write is under way with nine tenths to go. Twice, as an impatient person would.
        if (/^writing: /m.test(stderr) && !signalled) {
          signalled = true;
          child.kill('SIGINT');
          child.kill('SIGINT');
        }
      });
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(code, stderr).toBe(130);
      expect(stderr).toContain(`vdd-image: interrupted (SIGINT): ${join(work, 'partial.img')} holds part of the image and will not boot; flash it again`);
    });

    const builtImage = (() => {
      try {
        return join(findImageDir(join(repository, 'dist/image'), undefined), 'vdd-thin.img');
      } catch {
        return undefined;
      }
    })();
    const noBuiltImage = builtImage === undefined || !existsSync(builtImage);
    const builtTitle = 'flashes the built vdd-thin.img with the sample vdd.conf (newest version by default)';
    // A fresh clone has no image: the skip says so in the report, with the command that builds one.
    it.skipIf(noBuiltImage)(
      noBuiltImage
        ? `SKIPPED: no built image in dist/image, which the normal run does not build (npx vdd-image build downloads Debian packages and takes minutes; the README's slow run does it); every flash path above runs on a synthetic disk laid out like it: ${builtTitle}`
        : builtTitle,
      () => {
        const size = statSync(builtImage ?? '').size;
        const loop = loopDevice('built', Math.ceil(size / mib) + 8);
        const sample = join(repository, 'image/disk/vdd.conf');
        const result = vddImage('flash', '--device', loop, '--config', sample, '--json');
        expect(result.status, result.stderr).toBe(0);
        expect(JSON.parse(result.stdout)).toMatchObject({ image: builtImage, bytes: size, verified: true, matchesManifest: true });
        const readBack = run('mcopy', ['-i', `${loop}@@${mib}`, '::/vdd.conf', '-'], { ...process.env, MTOOLS_SKIP_CHECK: '1' });
        expect(readBack.stdout).toBe(readFileSync(sample, 'utf8'));
        expect(run('mdir', ['-b', '-i', `${loop}@@${mib}`, '::/a'], { ...process.env, MTOOLS_SKIP_CHECK: '1' }).stdout).toContain('vmlinuz');
      },
      180_000,
    );
    if (noBuiltImage) process.stderr.write('\n*** SKIPPED: flashing the built image: no dist/image version (npx vdd-image build) ***\n\n');
  });
}
