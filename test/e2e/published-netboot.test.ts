// A published root in real use (slow, so only with VDD_SLOW_TESTS=1, as root): the built image is
// signed with a test key, published with vdd-image publish into a directory nginx serves, and a
// QEMU guest chains ROOT/vdd.ipxe the way a site's DHCP/iPXE set-up does. It must boot to the
// menu with kernel, initrd and root all fetched from versions/VERSION/, never through current/.
import { linkSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findImageDir } from '../../image/boot/boot-image.ts';
import { qemuCommand } from '../../image/boot/accel.ts';
import { guestServiceAddress, qemuArgs } from '../../image/boot/qemu-args.ts';
import { SerialConsole } from '../../image/boot/serial-console.ts';
import { signVersionDirectory } from '../../image/sign/sign-manifest.ts';
import { useChildren } from '../support/children.ts';
import { makeTestKeys } from '../support/fake-version.ts';
import { startNginx } from '../support/peers/nginx.ts';
import { missingTools } from '../support/skip-reason.ts';
import { useTempDir } from '../support/temp-dir.ts';

const slowTests = process.env.VDD_SLOW_TESTS === '1';
const howToRun = 'VDD_SLOW_TESTS=1 npx vitest run test/e2e/published-netboot.test.ts (as root, after vdd-image build)';
const program = new URL('../../bin/vdd-image.js', import.meta.url).pathname;
const outRoot = new URL('../../dist/image', import.meta.url).pathname;
const missing = missingTools(['nginx', qemuCommand, 'socat']);

if (!slowTests || missing) {
  const reason = missing ?? `slow: run with ${howToRun}`;
  process.stderr.write(`\n*** SKIPPED: netboot from a published root: ${reason} ***\n\n`);
  describe('netboot from a published root', () => {
    it.skip(`SKIPPED: ${reason}`, () => {});
  });
} else {
  describe('netboot from a published root', () => {
    const work = useTempDir('vdd-published-boot-');
    const children = useChildren();

    it('chains ROOT/vdd.ipxe and boots the current version to the menu, all from versions/VERSION/', { timeout: 15 * 60_000 }, async () => {
      // A signed copy of the newest build (hard links; signing writes only a new .sig file).
      const built = findImageDir(outRoot, undefined);
      const copy = join(work, 'version');
      mkdirSync(copy);
      for (const name of readdirSync(built)) if (name !== 'manifest.json.sig') linkSync(join(built, name), join(copy, name));
      const keys = makeTestKeys();
      const { manifest } = signVersionDirectory(copy, keys.privateKey);
      writeFileSync(join(work, 'image-key.pub'), keys.publicKeyPem);

      const nginx = await startNginx(children, work);
      const root = join(nginx.root, 'vdd');
      const publish = children.start('vdd-image publish', process.execPath, [
        program,
        'publish',
        '--root',
        root,
        '--from',
        copy,
        '--key',
        join(work, 'image-key.pub'),
      ]);
      expect((await publish.exited).code, publish.log).toBe(0);

      // What a site's first script does: say where the published root is, chain its vdd.ipxe.
      const tftp = join(work, 'tftp');
      mkdirSync(tftp);
      writeFileSync(join(tftp, 'site.ipxe'), ['#!ipxe', `set vdd-root http://${guestServiceAddress}/vdd/`, 'chain ${vdd-root}vdd.ipxe', ''].join('\n'));
      const socket = join(work, 'serial.sock');
      const args = qemuArgs({
        accel: 'tcg',
        memoryMiB: 512,
        boot: { kind: 'net', tftpDir: tftp, bootFile: 'site.ipxe' },
        forwards: [{ guestPort: 80, hostPort: Number(new URL(nginx.url).port) }],
        serial: 'stdio',
      });
      const index = args.indexOf('-serial');
      args.splice(index, 2, '-chardev', `socket,id=serial0,path=${socket},server=on,wait=on`, '-serial', 'chardev:serial0');
      const qemu = children.start('qemu', qemuCommand, args);
      const console = await SerialConsole.connect(socket);
      try {
        await console.waitFor(
          new RegExp(
            `vdd: fetching http://${guestServiceAddress.replaceAll('.', '\\.')}/vdd/versions/${manifest.version.replaceAll('.', '\\.')}/root\\.squashfs`,
          ),
          'the initrd to fetch the root from versions/VERSION/',
          8 * 60_000,
        );
        await console.openMenu('the menu on the serial console', 5 * 60_000);
        expect(console.text).not.toContain('/vdd/current/');
      } finally {
        console.close();
        await qemu.stop();
      }
    });
  });
}
