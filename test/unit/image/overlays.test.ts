// The files laid over the image root and the initrd's scripts: valid shell, and the promises the
// image makes (no login prompt, launcher on tty1 and serial respawned, X locked down).
import { spawnSync } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { walkTree } from '../../../image/build/walk-tree.ts';
import { loadSpec } from '../../../image/spec/load.ts';

const repository = new URL('../../../', import.meta.url).pathname;
const read = (path: string) => readFileSync(`${repository}${path}`, 'utf8');
const scripts = [
  'image/initrd/init',
  'image/initrd/udhcpc.script',
  'overlays/busybox-init/usr/lib/vdd/sysinit',
  'overlays/busybox-init/usr/lib/vdd/devices',
  'overlays/busybox-init/usr/lib/vdd/network',
  'overlays/busybox-init/usr/lib/vdd/udhcpc-script',
  'overlays/common/usr/lib/vdd/autologin',
  'overlays/common/usr/lib/vdd/wait-for-menu',
  'overlays/common/usr/lib/vdd/power-requests',
  'overlays/common/usr/lib/vdd/boot-times',
  'overlays/ltsp/usr/lib/vdd/dhcp-options',
  'overlays/ltsp/etc/ltsp/client/init/50-vdd-thin.sh',
];

describe('image scripts and overlays', () => {
  it.each(scripts)('%s is valid POSIX shell', (path) => {
    const check = spawnSync('dash', ['-n', `${repository}${path}`], { encoding: 'utf8' });
    expect(check.status, check.stderr).toBe(0);
  });

  it('init respawns the launcher on tty1 and the serial console, with no getty', () => {
    const inittab = read('overlays/busybox-init/etc/inittab');
    expect(inittab).toMatch(/^tty1::respawn:\/usr\/lib\/vdd\/autologin$/m);
    expect(inittab).toMatch(/^ttyS0::respawn:\/usr\/lib\/vdd\/autologin$/m);
    expect(inittab).not.toMatch(/getty/);
  });

  it('only the normal image has the busybox init link; the LTSP flavour boots systemd, with the launcher instead of gettys', () => {
    const spec = loadSpec(`${repository}image/vdd-thin.json`).spec;
    const ltsp = loadSpec(`${repository}image/vdd-thin.json`, 'ltsp').spec;
    const overlayFiles = (overlays: readonly string[]) => overlays.flatMap((dir) => walkTree(`${repository}image/${dir}`).map((item) => item.relative));
    expect(overlayFiles(spec.overlays)).toContain('usr/sbin/init');
    expect(overlayFiles(ltsp.overlays)).not.toContain('usr/sbin/init');
    expect(overlayFiles(ltsp.overlays)).not.toContain('etc/inittab');
    expect(ltsp.packages).toContain('systemd-sysv');
    for (const unit of ['getty@tty1.service.d', 'serial-getty@ttyS0.service.d']) {
      expect(read(`overlays/ltsp/etc/systemd/system/${unit}/vdd-autologin.conf`)).toMatch(/^ExecStart=-\/usr\/lib\/vdd\/autologin$/m);
    }
    // The serial launcher runs whether or not the kernel's console is on ttyS0 (which is what
    // would make systemd start it by itself); on a port without a UART it stays quiet.
    expect(readlinkSync(`${repository}overlays/ltsp/etc/systemd/system/getty.target.wants/serial-getty@ttyS0.service`)).toBe(
      '/usr/lib/systemd/system/serial-getty@.service',
    );
    // No login prompts on tty2-6: logind's autovt@ and Debian's getty-static (without D-Bus) are masked.
    expect(readlinkSync(`${repository}overlays/ltsp/etc/systemd/system/autovt@.service`)).toBe('/dev/null');
    expect(readlinkSync(`${repository}overlays/ltsp/etc/systemd/system/getty-static.service`)).toBe('/dev/null');
    // ltsp image leaves /home out of its image: vdd's home is made at boot.
    expect(read('overlays/ltsp/usr/lib/tmpfiles.d/vdd.conf')).toMatch(/^d \/home\/vdd 0750 vdd vdd -$/m);
    // The DHCP broker options are asked for before the launcher starts, and only through the launcher's hook.
    expect(read('overlays/ltsp/usr/lib/systemd/system/vdd-dhcp-options.service')).toMatch(/^Before=getty@tty1\.service serial-getty@ttyS0\.service$/m);
    expect(read('overlays/ltsp/usr/lib/vdd/dhcp-options')).toMatch(/udhcpc .* -s \/usr\/share\/vdd\/udhcpc-hook$/m);
    // LTSP's PAM integration needs Python and Perl, which the image does not have.
    expect(read('overlays/ltsp/etc/ltsp/client/init/50-vdd-thin.sh')).toMatch(/^ {4}PAM_AUTH_TYPE=0$/m);
  });

  it('the launcher runs as vdd with a clean environment and no capabilities', () => {
    const autologin = read('overlays/common/usr/lib/vdd/autologin');
    expect(autologin).toMatch(
      /^exec env -i HOME=\/home\/vdd .*\\\n\t\/usr\/bin\/setpriv --reuid=vdd --regid=vdd --init-groups --inh-caps=-all -- \/usr\/bin\/vdd-launcher$/m,
    );
  });

  it('/run/vdd, where the launcher marks its menu up, is made for vdd under busybox init and under systemd', () => {
    expect(read('overlays/busybox-init/usr/lib/vdd/sysinit')).toContain('chown vdd:vdd /run/vdd');
    expect(read('overlays/ltsp/usr/lib/tmpfiles.d/vdd.conf')).toMatch(/^d \/run\/vdd 0755 vdd vdd -$/m);
    expect(read('overlays/common/usr/lib/vdd/wait-for-menu')).toContain('/run/vdd/menu-up');
  });

  it('X cannot switch VTs or be killed from the keyboard', () => {
    const xorg = read('overlays/common/etc/X11/xorg.conf.d/10-vdd.conf');
    expect(xorg).toMatch(/Option "DontVTSwitch" "true"/);
    expect(xorg).toMatch(/Option "DontZap" "true"/);
  });

  it("DHCP events reach the launcher's hook, and the address is never taken away", () => {
    const script = read('overlays/busybox-init/usr/lib/vdd/udhcpc-script');
    expect(script).toContain('exec /usr/share/vdd/udhcpc-hook "$@"');
    expect(script).not.toMatch(/addr (flush|del)/);
  });

  it('/etc/issue and the version file are templates the build fills', () => {
    const spec = JSON.parse(read('image/vdd-thin.json')) as { templates: string[] };
    expect(spec.templates).toEqual(['/etc/issue', '/etc/vdd/image-version']);
    expect(read('overlays/common/etc/issue')).toContain('{{version}}');
  });
});
