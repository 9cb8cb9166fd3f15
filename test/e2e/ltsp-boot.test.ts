// The LTSP flavour on a stock LTSP 23 server, end to end (slow, so only with VDD_SLOW_TESTS=1, as
// root): build the flavour, then on an LTSP server of its own (Debian's ltsp package, in a network
// namespace with its own /etc/ltsp and /srv, see test/support/peers/ltsp-server.ts) run
// `vdd-image ltsp --apply`, which installs the root, writes ltsp.conf and runs ltsp image, ltsp
// ipxe and ltsp initrd. A QEMU client (TCG, 512 MB) on the server's network PXE-boots LTSP's
// iPXE script, LTSP's initramfs and root (over NBD: this kernel has no NFS server), and must reach
// the vdd menu listing a real vdd-broker's guest, found through ltsp.conf's VDD_BROKER, then show
// that VNC guest's desktop on its screen (QMP screendump).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ltspEndToEndFigures } from '../../bench/ltsp-flavour.ts';
import { qemuCommand } from '../../image/boot/accel.ts';
import { QmpClient } from '../../image/boot/qmp.ts';
import { waitForScreenColour } from '../../image/boot/screendump.ts';
import { SerialConsole } from '../../image/boot/serial-console.ts';
import { buildImage } from '../../image/build/build-image.ts';
import { loadSpec } from '../../image/spec/load.ts';
import { useChildren } from '../support/children.ts';
import { launcherPath } from '../support/launcher-binary.ts';
import { ltspClientArgs, makeLtspServer, ltspServerUnavailable, startLtspDnsmasq, startNbdServer, type LtspServer } from '../support/peers/ltsp-server.ts';
import { startVddBroker } from '../support/peers/vdd-broker.ts';
import { startXvnc } from '../support/peers/xvnc.ts';
import { useTestNetwork } from '../support/netns.ts';
import { announceSkip } from '../support/skip-reason.ts';
import { useTempDir } from '../support/temp-dir.ts';

const howToRun = 'VDD_SLOW_TESTS=1 npx vitest run test/e2e/ltsp-boot.test.ts (as root, after npm run build; about 10 minutes)';
const repository = new URL('../../', import.meta.url).pathname;
const vddImage = join(repository, 'bin/vdd-image.js');
/** The last run's serial console and screen, for a person to look at (git-ignored). */
const evidence = join(repository, '.cache/ltsp-e2e');
const reason = process.env.VDD_SLOW_TESTS === '1' ? ltspServerUnavailable() : `slow: run with ${howToRun}`;
/** The QEMU client's MAC, and so its ltsp.conf section. */
const clientMac = '52:54:00:07:21:01';

if (reason !== undefined) {
  announceSkip('the LTSP flavour on a stock LTSP server', reason);
  describe('LTSP flavour end to end', () => {
    it.skip(`SKIPPED: ${reason}`, () => {});
  });
} else {
  describe('LTSP flavour end to end', () => {
    const work = useTempDir('vdd-ltsp-e2e-');
    const network = useTestNetwork();
    const children = useChildren();
    const figures: Record<string, number> = {};
    let server: LtspServer;
    let buildDir = '';
    let nbd: { stop(): Promise<void> } | undefined;

    beforeAll(async () => {
      if (!existsSync(launcherPath)) throw new Error(`${launcherPath} is missing: run npm run build`);
      const started = Date.now();
      const result = await buildImage({
        loaded: loadSpec(join(repository, 'image/vdd-thin.json'), 'ltsp'),
        version: 'ltsp-e2e',
        outRoot: join(work, 'out'),
        cacheDir: join(repository, '.cache/image'),
        fast: true,
        incremental: true,
        output: { write: (text: string) => process.stderr.write(text), isTTY: false },
      });
      buildDir = result.dir;
      figures.buildSeconds = (Date.now() - started) / 1000;
      server = makeLtspServer(network, join(work, 'server'), `10.207.${process.pid % 200}`);
    }, 20 * 60_000);

    afterAll(async () => {
      await nbd?.stop();
      process.stderr.write(`LTSP end to end: ${JSON.stringify(figures)}\n`);
      // npm run bench (ltspFlavour) reports the last run's figures.
      mkdirSync(dirname(ltspEndToEndFigures), { recursive: true });
      writeFileSync(ltspEndToEndFigures, `${JSON.stringify({ ...figures, at: new Date().toISOString() }, null, 2)}\n`);
    });

    it('refuses a wrong --base-dir and a root built for the other flavour, and installs nothing', async () => {
      const wrongBase = await server.run(process.execPath, [vddImage, 'ltsp', '--from', buildDir, '--base-dir', '/srv/elsewhere']);
      expect(wrongBase.code).toBe(1);
      expect(wrongBase.output).toMatch(/--base-dir \/srv\/elsewhere is not LTSP's BASE_DIR \/srv\/ltsp/);
      const otherFlavour = join(work, 'vdd-version');
      mkdirSync(otherFlavour);
      // The same manifest as vdd's own boot would have it: no boot key, a netboot script and a disk image.
      const manifest = JSON.parse(readFileSync(join(buildDir, 'manifest.json'), 'utf8')) as { boot?: string; artifacts: Record<string, unknown> };
      delete manifest.boot;
      for (const name of ['vdd.ipxe', 'vdd-thin.img']) manifest.artifacts[name] = { sha256: '0'.repeat(64), size: 1 };
      writeFileSync(join(otherFlavour, 'manifest.json'), JSON.stringify(manifest));
      const wrongFlavour = await server.run(process.execPath, [vddImage, 'ltsp', '--from', otherFlavour]);
      expect(wrongFlavour.code).toBe(1);
      expect(wrongFlavour.output).toMatch(/was built for vdd's own boot .* vdd-image build --flavor ltsp/);
      expect(existsSync(join(server.dirs.srv, 'ltsp'))).toBe(false);
    });

    it(
      'boots a QEMU client through LTSP to the menu with the broker from ltsp.conf, and opens the VNC guest',
      async () => {
        const xvnc = await startXvnc(children, work, { desktopName: 'ltsp guest', netns: server.netns, everyAddress: true });
        const paint = spawnSync('xsetroot', ['-display', `:${xvnc.display}`, '-solid', '#3366cc'], { encoding: 'utf8' });
        expect(paint.status, paint.stderr).toBe(0);
        const catalog = join(work, 'catalog.json');
        writeFileSync(
          catalog,
          JSON.stringify({
            version: 1,
            broker: { id: 'ltsp', name: 'LTSP test broker' },
            ttl: 30,
            guests: [
              {
                id: 'xvnc',
                name: 'Xvnc on the LTSP server',
                os: 'Debian 12',
                protocol: 'vnc',
                host: server.address,
                port: xvnc.port,
                state: 'running',
                auth: 'none',
              },
            ],
          }),
        );
        const broker = await startVddBroker(children, catalog, { netns: server.netns, host: server.address, extraArgs: ['--probe-interval', '0'] });

        let started = Date.now();
        const apply = await server.run(process.execPath, [
          vddImage,
          'ltsp',
          '--from',
          buildDir,
          '--nbd',
          // The client's own ltsp.conf section (LTSP's iPXE menu reads it per MAC): [server] stays untouched.
          '--mac',
          clientMac,
          '--broker',
          broker.url,
          '--kernel-parameters',
          // The last console is /dev/console: the initramfs's and systemd's messages go to the serial log too.
          'console=tty0 console=ttyS0,115200',
          '--apply',
        ]);
        figures.ltspApplySeconds = (Date.now() - started) / 1000;
        expect(apply.code, apply.output).toBe(0);
        const conf = readFileSync(join(server.dirs.etcLtsp, 'ltsp.conf'), 'utf8');
        expect(conf).toMatch(new RegExp(`^\\[${clientMac}\\]\\n(?:.*\\n)*?DEFAULT_IMAGE=vdd-thin$`, 'm'));
        expect(conf).not.toMatch(/^\[server\]/m);
        expect(conf).toContain(`VDD_BROKER="${broker.url}"`);
        const image = join(server.dirs.srv, 'ltsp/images/vdd-thin.img');
        figures.ltspImageMiB = +(readFileSync(image).length / 2 ** 20).toFixed(1);
        for (const file of ['ltsp/ltsp.ipxe', 'ltsp/ltsp.img', 'ltsp/undionly.kpxe', 'ltsp/vdd-thin/vmlinuz', 'ltsp/vdd-thin/initrd.img'])
          expect(existsSync(join(server.dirs.srv, 'tftp', file)), file).toBe(true);
        // ltsp image's clean-up deletes users from uid 1000 up: vdd (uid 900) stays.
        const passwd = spawnSync('unsquashfs', ['-cat', image, 'etc/passwd'], { encoding: 'utf8' });
        expect(passwd.stdout).toMatch(/^vdd:x:900:/m);

        await startLtspDnsmasq(children, server, work);
        nbd = await startNbdServer(server, work);
        const serialSocket = join(work, 'serial.sock');
        const qmpSocket = join(work, 'qmp.sock');
        started = Date.now();
        server.start(children, 'qemu (LTSP client)', qemuCommand, ltspClientArgs(server, { memoryMiB: 512, mac: clientMac, serialSocket, qmpSocket }));
        const console = await SerialConsole.connect(serialSocket, 30_000);
        const qmp = await QmpClient.connect(qmpSocket, 30_000);
        try {
          await console.waitFor(/Linux version/, "LTSP's kernel", 5 * 60_000);
          figures.kernelSeconds = (Date.now() - started) / 1000;
          await console.openMenu('the vdd menu on the serial console', 8 * 60_000);
          figures.menuSeconds = (Date.now() - started) / 1000;
          await console.waitFor(/Xvnc on the LTSP server/, "the broker's guest on the menu", 3 * 60_000);
          figures.guestListedSeconds = (Date.now() - started) / 1000;
          console.type('1');
          console.type('\r');
          const share = await waitForScreenColour(qmp, join(work, 'session.ppm'), [0x33, 0x66, 0xcc], { share: 0.5, timeoutMs: 4 * 60_000 });
          figures.desktopSeconds = (Date.now() - started) / 1000;
          expect(share, `the VNC guest's desktop never filled the screen; serial console:\n${console.text.slice(-3000)}`).toBeGreaterThan(0.5);
          expect(console.text).not.toMatch(/LTSP boot error/);
          // No login prompt anywhere: Debian's getty-static (tty2-6 without D-Bus) and logind's autovt are masked.
          expect(console.text).not.toMatch(/Started .*getty@tty[2-6]/);
        } finally {
          // Kept after the test (the work directory is not): what the client said, and its screen.
          mkdirSync(evidence, { recursive: true });
          writeFileSync(join(evidence, 'serial.log'), console.raw.replaceAll('\r', ''));
          await qmp.execute('screendump', { filename: join(evidence, 'screen.ppm') }).catch(() => undefined);
          qmp.close();
          console.close();
        }
      },
      30 * 60_000,
    );
  });
}
