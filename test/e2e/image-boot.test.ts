// The image end to end (slow, so only with VDD_SLOW_TESTS=1, as root): build it, then boot it in
// QEMU to the launcher's menu on the serial console: over the network at 512 MB (root fetched
// into RAM) and at 256 MB (root over NBD), and from vdd-thin.img with BIOS and with UEFI; then
// with a real vdd-broker and Xvnc on the host, choose the guest and see its desktop on screen.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseAccel, startBootSession, type BootMode, type BootSession } from '../../image/boot/boot-image.ts';
import type { GuestForward } from '../../image/boot/qemu-args.ts';
import { QmpClient } from '../../image/boot/qmp.ts';
import { waitForScreenColour } from '../../image/boot/screendump.ts';
import { SerialConsole } from '../../image/boot/serial-console.ts';
import { buildImage } from '../../image/build/build-image.ts';
import { manifestSchema } from '../../common/manifest/manifest.ts';
import { verifyVersionDirectory } from '../../image/sign/verify-version.ts';
import { diskLayout } from '../../image/plan/disk-layout.ts';
import { loadSpec } from '../../image/spec/load.ts';
import { useChildren } from '../support/children.ts';
import { makeTestKeys } from '../support/fake-version.ts';
import { launcherPath } from '../support/launcher-binary.ts';
import { startVddBroker } from '../support/peers/vdd-broker.ts';
import { startXvnc } from '../support/peers/xvnc.ts';
import { useTempDir } from '../support/temp-dir.ts';

const slowTests = process.env.VDD_SLOW_TESTS === '1';
const howToRun = 'VDD_SLOW_TESTS=1 npx vitest run test/e2e (as root, after npm run build; 5 to 15 minutes)';
const repository = new URL('../../', import.meta.url).pathname;

if (!slowTests) {
  process.stderr.write(`\n*** SKIPPED: the image build and QEMU boot tests; run them with ${howToRun} ***\n\n`);
  describe('image end to end', () => {
    it.skip(`SKIPPED (slow): run with ${howToRun}`, () => {});
  });
} else {
  describe('image end to end', () => {
    const work = useTempDir('vdd-image-e2e-');
    const children = useChildren();
    const outRoot = join(work, 'out');
    let imageDir = '';
    let accel: 'kvm' | 'tcg' = 'tcg';
    const sessions: BootSession[] = [];
    const keys = makeTestKeys();

    beforeAll(async () => {
      if (process.getuid?.() !== 0) throw new Error('the image build needs root');
      if (!existsSync(launcherPath)) throw new Error(`${launcherPath} is missing: run npm run build`);
      mkdirSync(outRoot);
      const result = await buildImage({
        loaded: loadSpec(join(repository, 'image/vdd-thin.json')),
        version: 'e2e',
        outRoot,
        cacheDir: join(repository, '.cache/image'),
        fast: true,
        // A fresh machine (CI) installs the packages; a developer's second run reuses the tree.
        incremental: true,
        output: { write: (text: string) => process.stderr.write(text), isTTY: false },
        signingKey: keys.privateKey,
      });
      imageDir = result.dir;
      accel = await chooseAccel('auto', imageDir, join(repository, '.cache/image'));
    }, 20 * 60_000);

    afterAll(async () => {
      await Promise.all(sessions.map((session) => session.stop()));
    });

    async function bootToMenu(
      mode: BootMode,
      memoryMiB: number,
      more: { kernelParameters?: string[]; diskImage?: string; forwards?: GuestForward[] } = {},
    ): Promise<{ console: SerialConsole; session: BootSession; qmp: QmpClient }> {
      const socket = join(work, `serial-${mode}-${memoryMiB}.sock`);
      const qmpSocket = join(work, `qmp-${mode}-${memoryMiB}.sock`);
      const session = await startBootSession({ imageDir, mode, memoryMiB, accel, serial: { socket }, qmpSocket, ...more });
      sessions.push(session);
      const console = await SerialConsole.connect(socket);
      const qmp = await QmpClient.connect(qmpSocket);
      await console.waitFor(/vdd: starting the system/, 'the initrd to start the system', 6 * 60_000);
      await console.openMenu('the menu on the serial console', 4 * 60_000);
      return { console, session, qmp };
    }

    /** Boots to the menu with a real vdd-broker and an Xvnc desktop on the host, reached only through forwarded ports. */
    async function bootWithHostBroker(catalogName: string) {
      const xvnc = await startXvnc(children, work, { desktopName: 'e2e desktop' });
      const catalogFile = join(work, catalogName);
      writeFileSync(
        catalogFile,
        JSON.stringify({
          version: 1,
          broker: { id: 'e2e', name: 'Image test broker' },
          ttl: 30,
          // Addresses as the guest sees them: 10.0.2.100 is forwarded to the host's loopback ports.
          guests: [{ id: 'xvnc', name: 'Xvnc on the host', os: 'Debian 12', protocol: 'vnc', host: '10.0.2.100', port: 5901, state: 'running', auth: 'none' }],
        }),
      );
      const broker = await startVddBroker(children, catalogFile, { extraArgs: ['--probe-interval', '0'] });
      const booted = await bootToMenu('net', 512, {
        kernelParameters: ['vdd.broker=http://10.0.2.100:8080/'],
        forwards: [
          { guestPort: 8080, hostPort: broker.port },
          { guestPort: 5901, hostPort: xvnc.port },
        ],
      });
      return { xvnc, broker, ...booted };
    }

    it('wrote every artifact the manifest lists, with its size', () => {
      const manifest = manifestSchema.parse(JSON.parse(readFileSync(join(imageDir, 'manifest.json'), 'utf8')));
      expect(Object.keys(manifest.artifacts).sort()).toEqual(['initrd.img', 'nbd.img', 'root.squashfs', 'vdd-thin.img', 'vdd.ipxe', 'vmlinuz']);
      expect(readFileSync(join(imageDir, 'vdd.ipxe'), 'utf8')).toContain(`vdd.root_size=${manifest.artifacts['root.squashfs'].size}`);
    });

    it('signed the manifest and carries the public key as /etc/vdd/image-key.pub', async () => {
      const check = await verifyVersionDirectory(imageDir, keys.publicKey);
      expect(check.problems).toEqual([]);
      const baked = spawnSync('unsquashfs', ['-cat', join(imageDir, 'root.squashfs'), 'etc/vdd/image-key.pub'], { encoding: 'utf8' });
      expect(baked.stdout).toBe(keys.publicKeyPem);
    });

    it(
      "boots over the network at 512 MB with the root in RAM to the menu, with the site's kernel parameters",
      async () => {
        const { console, session, qmp } = await bootToMenu('net', 512, { kernelParameters: ['vdd.menu_title=Netbooted-by-the-site'] });
        expect(console.text).toMatch(/vdd: network up on eth0: 10\.0\.2\.15\/24/);
        expect(console.text).toContain('Netbooted-by-the-site');
        expect(console.text).toContain('vdd: fetching http://10.0.2.100/root.squashfs');
        expect(session.server.requests).toEqual(expect.arrayContaining(['GET /vdd.ipxe', 'GET /vmlinuz', 'GET /initrd.img', 'GET /root.squashfs']));
        expect(session.server.requests).not.toContain('GET /nbd.img');
        // The boot-time report, before the serial console's prompt: every phase in order, from power-on.
        // Its menu phase needs the screen's menu up within the serial console's minute of waiting.
        expect(console.text).toContain('The menu is on the screen.');
        const report = console.text.match(/boot seconds since power-on: kernel ([\d.]+) initrd ([\d.]+) .*dhcp ([\d.]+) fetched ([\d.]+) .*menu ([\d.]+) busy/);
        expect(report, console.text.slice(-2000)).not.toBeNull();
        const times = report!.slice(1).map(Number);
        expect([...times].sort((a, b) => a - b)).toEqual(times);
        const memory = await qmp.guestMemory();
        expect(memory.total).toBeGreaterThan(400 * 2 ** 20);
        qmp.close();
        console.close();
        await session.stop();
      },
      12 * 60_000,
    );

    it(
      'boots over the network at 256 MB with the root over NBD to the menu',
      async () => {
        const { console, session, qmp } = await bootToMenu('net', 256);
        expect(console.text).toMatch(/MB of RAM free: root over NBD/);
        expect(session.server.requests).not.toContain('GET /root.squashfs');
        expect(session.server.requests).toContain('GET /nbd.img');
        qmp.close();
        console.close();
        await session.stop();
      },
      12 * 60_000,
    );

    it(
      'boots vdd-thin.img with BIOS to the menu, which uses the vdd.conf a refurbisher edited on the FAT partition',
      async () => {
        const diskImage = join(work, 'refurbished.img');
        copyFileSync(join(imageDir, 'vdd-thin.img'), diskImage);
        const edited = join(work, 'vdd.conf');
        writeFileSync(edited, '[common]\nmenu_title = Refurbished PC 7\n');
        const manifest = manifestSchema.parse(JSON.parse(readFileSync(join(imageDir, 'manifest.json'), 'utf8')));
        const layout = diskLayout(loadSpec(join(repository, 'image/vdd-thin.json')).spec.disk, manifest.artifacts['root.squashfs'].size);
        const mcopy = spawnSync('mcopy', ['-o', '-i', `${diskImage}@@${layout.boot.offset}`, edited, '::/vdd.conf'], { encoding: 'utf8' });
        expect(mcopy.status, mcopy.stderr).toBe(0);
        const { console, session, qmp } = await bootToMenu('disk', 512, { diskImage });
        expect(console.text).not.toContain('vdd: fetching');
        expect(console.text).toContain('Refurbished PC 7');
        qmp.close();
        console.close();
        await session.stop();
      },
      12 * 60_000,
    );

    it(
      'boots vdd-thin.img with UEFI to the menu',
      async () => {
        const { console, session, qmp } = await bootToMenu('disk-uefi', 512);
        qmp.close();
        console.close();
        await session.stop();
      },
      12 * 60_000,
    );

    it(
      'says on the console what failed and tries again when the root cannot be fetched',
      async () => {
        const socket = join(work, 'serial-missing.sock');
        const session = await startBootSession({
          imageDir,
          mode: 'kernel',
          memoryMiB: 512,
          accel,
          serial: { socket },
          kernelParameters: ['vdd.root=http://10.0.2.100/missing.squashfs'],
        });
        sessions.push(session);
        const console = await SerialConsole.connect(socket);
        await console.waitFor(/vdd: cannot fetch http:\/\/10\.0\.2\.100\/missing\.squashfs/, 'the fetch failure', 6 * 60_000);
        await console.waitFor(/vdd: fetching the root failed; trying again in 5 s/, 'the retry notice', 60_000);
        await console.waitFor(/trying again in 10 s/, 'the second retry', 60_000);
        console.close();
        await session.stop();
      },
      12 * 60_000,
    );

    it(
      'lists the guests of a real vdd-broker on the host, reached only through the forwarded ports',
      async () => {
        const { broker, console, session, qmp } = await bootWithHostBroker('catalog.json');
        await console.waitFor(/Xvnc on the host/, "the broker's guest on the menu", 3 * 60_000);
        expect(broker.child.running).toBe(true);
        qmp.close();
        console.close();
        await session.stop();
      },
      12 * 60_000,
    );

    it(
      'connects to the VNC guest chosen on the menu and shows its desktop on the screen (QEMU screendump)',
      async () => {
        const { xvnc, console, session, qmp } = await bootWithHostBroker('catalog-session.json');
        // A desktop colour that nothing else on the client's screen has.
        const paint = spawnSync('xsetroot', ['-display', `:${xvnc.display}`, '-solid', '#3366cc'], { encoding: 'utf8' });
        expect(paint.status, paint.error ? `xsetroot: ${paint.error.message} (Debian package x11-xserver-utils)` : paint.stderr).toBe(0);
        await console.waitFor(/Xvnc on the host/, "the broker's guest on the menu", 3 * 60_000);
        console.type('1');
        console.type('\r');
        const share = await waitForScreenColour(qmp, join(work, 'session.ppm'), [0x33, 0x66, 0xcc], { share: 0.5, timeoutMs: 4 * 60_000 });
        expect(share, `the remote desktop never filled the screen; serial console:\n${console.text.slice(-3000)}`).toBeGreaterThan(0.5);
        qmp.close();
        console.close();
        await session.stop();
      },
      15 * 60_000,
    );
  });
}
