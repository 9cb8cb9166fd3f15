// The files laid over the image root and the initrd's scripts: valid shell, and the promises the
// image makes (no login prompt, launcher on tty1 and serial respawned, X locked down).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const repository = new URL('../../../', import.meta.url).pathname;
const read = (path: string) => readFileSync(`${repository}${path}`, 'utf8');
const scripts = [
  'image/initrd/init',
  'image/initrd/udhcpc.script',
  'overlays/usr/lib/vdd/sysinit',
  'overlays/usr/lib/vdd/devices',
  'overlays/usr/lib/vdd/network',
  'overlays/usr/lib/vdd/udhcpc-script',
  'overlays/usr/lib/vdd/autologin',
  'overlays/usr/lib/vdd/wait-for-menu',
];

describe('image scripts and overlays', () => {
  it.each(scripts)('%s is valid POSIX shell', (path) => {
    const check = spawnSync('dash', ['-n', `${repository}${path}`], { encoding: 'utf8' });
    expect(check.status, check.stderr).toBe(0);
  });

  it('init respawns the launcher on tty1 and the serial console, with no getty', () => {
    const inittab = read('overlays/etc/inittab');
    expect(inittab).toMatch(/^tty1::respawn:\/usr\/lib\/vdd\/autologin$/m);
    expect(inittab).toMatch(/^ttyS0::respawn:\/usr\/lib\/vdd\/autologin$/m);
    expect(inittab).not.toMatch(/getty/);
  });

  it('the launcher runs as vdd with a clean environment and no capabilities', () => {
    const autologin = read('overlays/usr/lib/vdd/autologin');
    expect(autologin).toMatch(
      /^exec env -i HOME=\/home\/vdd .*\\\n\t\/usr\/bin\/setpriv --reuid=vdd --regid=vdd --init-groups --inh-caps=-all -- \/usr\/bin\/vdd-launcher$/m,
    );
  });

  it('/run/vdd, where the launcher marks its menu up, is made for vdd under busybox init and under systemd', () => {
    expect(read('overlays/usr/lib/vdd/sysinit')).toContain('chown vdd:vdd /run/vdd');
    expect(read('overlays/usr/lib/tmpfiles.d/vdd.conf')).toMatch(/^d \/run\/vdd 0755 vdd vdd -$/m);
    expect(read('overlays/usr/lib/vdd/wait-for-menu')).toContain('/run/vdd/menu-up');
  });

  it('X cannot switch VTs or be killed from the keyboard', () => {
    const xorg = read('overlays/etc/X11/xorg.conf.d/10-vdd.conf');
    expect(xorg).toMatch(/Option "DontVTSwitch" "true"/);
    expect(xorg).toMatch(/Option "DontZap" "true"/);
  });

  it("DHCP events reach the launcher's hook, and the address is never taken away", () => {
    const script = read('overlays/usr/lib/vdd/udhcpc-script');
    expect(script).toContain('exec /usr/share/vdd/udhcpc-hook "$@"');
    expect(script).not.toMatch(/addr (flush|del)/);
  });

  it('/etc/issue and the version file are templates the build fills', () => {
    const spec = JSON.parse(read('image/vdd-thin.json')) as { templates: string[] };
    expect(spec.templates).toEqual(['/etc/issue', '/etc/vdd/image-version']);
    expect(read('overlays/etc/issue')).toContain('{{version}}');
  });
});
