// A/B updates of a flashed disk end to end (slow, so only with VDD_SLOW_TESTS=1, as root): a
// copy of the built vdd-thin.img boots in QEMU from slot A with update_url pointing at a
// loopback publish root; the menu's update agent downloads the new version, the root helper
// writes it to slot B, and update_policy=now restarts the PC. A good version starts once on
// trial, reaches the menu and is kept; a version whose launcher never starts (replaced by a
// failing script) is given up by the initrd's watchdog and the next start goes back to slot A.
import { spawnSync } from 'node:child_process';
import { copyFileSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseAccel, findImageDir, startBootSession, type BootSession } from '../../image/boot/boot-image.ts';
import { QmpClient } from '../../image/boot/qmp.ts';
import { SerialConsole } from '../../image/boot/serial-console.ts';
import { manifestSchema, sha256File } from '../../common/manifest/manifest.ts';
import { readPrivateKeyFile, readPublicKeyFile } from '../../image/sign/key-files.ts';
import { signVersionDirectory } from '../../image/sign/sign-manifest.ts';
import { verifyVersionDirectory } from '../../image/sign/verify-version.ts';
import { useTempDir } from '../support/temp-dir.ts';
import { startUpdateServer, type UpdateServer } from '../support/update-server.ts';

const slowTests = process.env.VDD_SLOW_TESTS === '1';
const howToRun = 'VDD_SLOW_TESTS=1 npx vitest run test/e2e/ab-update.test.ts (as root, after npm run build and vdd-image build; 10 to 20 minutes)';
const repository = new URL('../../', import.meta.url).pathname;
const cacheDir = join(repository, '.cache/image');
/** The FAT partition starts at 1 MiB (image/plan/disk-layout.ts). */
const fatOffset = 1024 * 1024;
const updatePort = 8080;

/** A FAT file of a disk image, read with mtools while QEMU runs (its writes go straight to the file). */
function fatFile(image: string, path: string): string | undefined {
  const result = spawnSync('mtype', ['-i', `${image}@@${fatOffset}`, `::${path}`], { encoding: 'latin1', env: { ...process.env, MTOOLS_SKIP_CHECK: '1' } });
  return result.status === 0 ? result.stdout : undefined;
}

function putFatFile(image: string, path: string, text: string, work: string): void {
  const local = join(work, 'fat-upload');
  writeFileSync(local, text);
  const result = spawnSync('mcopy', ['-o', '-i', `${image}@@${fatOffset}`, local, `::${path}`], {
    encoding: 'utf8',
    env: { ...process.env, MTOOLS_SKIP_CHECK: '1' },
  });
  if (result.status !== 0) throw new Error(`mcopy ${path}: ${result.stderr}`);
}

async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(1000);
  }
}

if (!slowTests) {
  process.stderr.write(`\n*** SKIPPED: the A/B update QEMU tests; run them with ${howToRun} ***\n\n`);
  describe('A/B update in QEMU', () => {
    it.skip(`SKIPPED (slow): run with ${howToRun}`, () => {});
  });
} else {
  describe('A/B update in QEMU', () => {
    const work = useTempDir('vdd-ab-e2e-');
    const sessions: BootSession[] = [];
    const servers: UpdateServer[] = [];
    let imageDir = '';
    let accel: 'kvm' | 'tcg' = 'tcg';
    let runningVersion = '';

    beforeAll(async () => {
      if (process.getuid?.() !== 0) throw new Error('QEMU disk boots with a writable image copy need root here');
      imageDir = findImageDir(join(repository, 'dist/image'), undefined);
      // The image carries the public half of the build key: a new version must be signed with it.
      const check = await verifyVersionDirectory(imageDir, readPublicKeyFile(join(cacheDir, 'keys/image-key.pub')));
      if (check.problems.length > 0) throw new Error(`${imageDir} is not signed with ${cacheDir}/keys/image-key: ${JSON.stringify(check.problems)}`);
      runningVersion = manifestSchema.parse(JSON.parse(readFileSync(join(imageDir, 'manifest.json'), 'utf8'))).version;
      accel = await chooseAccel('auto', imageDir, cacheDir);
    }, 5 * 60_000);

    afterAll(async () => {
      await Promise.all(sessions.map((session) => session.stop()));
      await Promise.all(servers.map((server) => server.close()));
    });

    /** A publish root: versions/RUNNING (the manifest only) and versions/VERSION with rootSquashfs; current -> VERSION. */
    async function publish(name: string, version: string, rootSquashfs: string): Promise<{ dir: string; point(to: string): void }> {
      const dir = join(work, name);
      const key = readPrivateKeyFile(join(cacheDir, 'keys/image-key'));
      const running = join(dir, 'versions', runningVersion);
      mkdirSync(running, { recursive: true });
      for (const file of ['manifest.json', 'manifest.json.sig']) copyFileSync(join(imageDir, file), join(running, file));
      const next = join(dir, 'versions', version);
      mkdirSync(next, { recursive: true });
      for (const file of ['vmlinuz', 'initrd.img']) linkSync(join(imageDir, file), join(next, file));
      copyFileSync(rootSquashfs, join(next, 'root.squashfs'));
      const manifest = manifestSchema.parse(JSON.parse(readFileSync(join(imageDir, 'manifest.json'), 'utf8')));
      manifest.version = version;
      manifest.artifacts['root.squashfs'] = { sha256: await sha256File(rootSquashfs), size: readFileSync(rootSquashfs).length };
      writeFileSync(join(next, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
      signVersionDirectory(next, key);
      const point = (to: string) => {
        rmSync(join(dir, 'current.new'), { force: true });
        symlinkSync(`versions/${to}`, join(dir, 'current.new'));
        renameSync(join(dir, 'current.new'), join(dir, 'current'));
      };
      point(version);
      return { dir, point };
    }

    /** A copy of vdd-thin.img as a refurbisher would flash it, with the site's vdd.conf. */
    function flashedCopy(name: string, trialTimeout?: number): string {
      const image = join(work, `${name}.img`);
      const copy = spawnSync('cp', ['--sparse=always', join(imageDir, 'vdd-thin.img'), image], { encoding: 'utf8' });
      if (copy.status !== 0) throw new Error(`cp: ${copy.stderr}`);
      // Checks every 10 s: the first one runs as the menu appears, often before DHCP has an address.
      putFatFile(image, 'vdd.conf', `[common]\nupdate_url = http://10.0.2.100:${updatePort}/\nupdate_policy = now\nupdate_check_interval = 10\n`, work);
      if (trialTimeout !== undefined) {
        const syslinux = fatFile(image, 'syslinux/syslinux.cfg');
        if (!syslinux) throw new Error('no syslinux.cfg on the FAT');
        putFatFile(image, 'syslinux/syslinux.cfg', syslinux.replace(/^( {2}APPEND .*)$/gm, `$1 vdd.trial_timeout=${trialTimeout}`), work);
      }
      return image;
    }

    async function boot(name: string, image: string, server: UpdateServer): Promise<{ console: SerialConsole; qmp: QmpClient }> {
      const socket = join(work, `serial-${name}.sock`);
      const qmpSocket = join(work, `qmp-${name}.sock`);
      const session = await startBootSession({
        imageDir,
        mode: 'disk',
        memoryMiB: 512,
        accel,
        diskImage: image,
        persistent: true,
        serial: { socket },
        qmpSocket,
        forwards: [{ guestPort: updatePort, hostPort: Number(server.base.port) }],
      });
      sessions.push(session);
      return { console: await SerialConsole.connect(socket), qmp: await QmpClient.connect(qmpSocket) };
    }

    const bootState = (image: string) => ({
      syslinux: /^DEFAULT ([ab])/m.exec(fatFile(image, 'syslinux/syslinux.cfg') ?? '')?.[1],
      loader: /^default vdd-([ab])\.conf/m.exec(fatFile(image, 'loader/loader.conf') ?? '')?.[1],
      trial: fatFile(image, 'vdd-trial.txt')?.trim() ?? null,
    });

    it(
      'a good update is downloaded to slot B, starts once on trial, reaches the menu and is kept',
      async () => {
        const image = flashedCopy('good');
        const root = await publish('publish-good', `${runningVersion}-ab`, join(imageDir, 'root.squashfs'));
        const server = await startUpdateServer(root.dir);
        servers.push(server);
        const { console, qmp } = await boot('good', image, server);
        await console.waitFor(/vdd: root: slot a on \/dev\/\w+2/, 'the first start from slot A', 6 * 60_000);
        await console.openMenu('the menu in slot A', 4 * 60_000);
        const afterMenu = console.mark();
        // The agent downloads and the root helper installs; update_policy=now restarts the PC.
        await console.waitFor(/vdd: root: slot b on \/dev\/\w+3/, 'the restart into slot B', 20 * 60_000, afterMenu);
        // The new slot's own update checks must find nothing new (its image says runningVersion).
        root.point(runningVersion);
        await console.waitFor(/slot b: first start after an update/, "slot B's trial start", 60_000, afterMenu);
        const inB = console.mark();
        await console.openMenu('the menu in slot B', 6 * 60_000, inB);
        await until(
          'slot B to be marked good (no trial marker, both loaders on b)',
          () => {
            const state = bootState(image);
            return state.trial === null && state.syslinux === 'b' && state.loader === 'b';
          },
          2 * 60_000,
        );
        expect(server.requests.filter((request) => request.name.endsWith('root.squashfs')).map((request) => request.status)).toContain(200);
        expect(fatFile(image, 'b/version.txt')?.trim()).toBe(`${runningVersion}-ab`);
        // Started again: slot B, no trial any more.
        const reset = console.mark();
        await qmp.execute('system_reset');
        await console.waitFor(/vdd: root: slot b on/, 'slot B after a restart', 6 * 60_000, reset);
        await console.openMenu('the menu in slot B again', 6 * 60_000, reset);
        expect(console.text).not.toMatch(/did not reach the menu/);
        expect(bootState(image)).toEqual({ syslinux: 'b', loader: 'b', trial: null });
      },
      40 * 60_000,
    );

    it(
      'an update that never reaches the menu is rolled back to slot A by the watchdog and the initrd',
      async () => {
        const tree = join(work, 'bad-root');
        const bad = join(work, 'bad.squashfs');
        const unpack = spawnSync('unsquashfs', ['-q', '-no-progress', '-d', tree, join(imageDir, 'root.squashfs')], { encoding: 'utf8' });
        expect(unpack.status, unpack.stderr).toBe(0);
        writeFileSync(join(tree, 'usr/bin/vdd-launcher'), "#!/bin/sh\necho 'vdd-launcher replaced by a failing script (A/B rollback test)' >&2\nexit 1\n", {
          mode: 0o755,
        });
        const pack = spawnSync(
          'mksquashfs',
          [tree, bad, '-noappend', '-no-xattrs', '-quiet', '-no-progress', '-b', '256K', '-comp', 'zstd', '-Xcompression-level', '3'],
          { encoding: 'utf8' },
        );
        expect(pack.status, pack.stderr).toBe(0);
        rmSync(tree, { recursive: true, force: true });

        const trialTimeout = 45;
        const image = flashedCopy('rollback', trialTimeout);
        const root = await publish('publish-bad', `${runningVersion}-bad`, bad);
        const server = await startUpdateServer(root.dir);
        servers.push(server);
        const { console } = await boot('rollback', image, server);
        await console.waitFor(/vdd: root: slot a on/, 'the first start from slot A', 6 * 60_000);
        await console.openMenu('the menu in slot A', 4 * 60_000);
        const afterMenu = console.mark();
        await console.waitFor(/vdd: root: slot b on/, 'the restart into slot B', 20 * 60_000, afterMenu);
        // Slot A must not fetch the bad version again after it comes back.
        root.point(runningVersion);
        await console.waitFor(new RegExp(`slot b did not reach the menu within ${trialTimeout} s of its trial start`), 'the watchdog', 5 * 60_000, afterMenu);
        await console.waitFor(
          /slot b did not reach the menu on its trial start: restarting into the previous slot/,
          "slot B's initrd rolling back",
          5 * 60_000,
          afterMenu,
        );
        const back = console.mark();
        await console.waitFor(/vdd: root: slot a on/, 'slot A again', 6 * 60_000, back);
        await console.openMenu('the menu in slot A again', 6 * 60_000, back);
        expect(bootState(image)).toEqual({ syslinux: 'a', loader: 'a', trial: null });
      },
      40 * 60_000,
    );
  });
}
