import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diskLayout, LayoutError, sfdiskScript } from '../../../image/plan/disk-layout.ts';
import { ipxeScript, kernelCommandLine, syslinuxConfig, systemdBootEntry, systemdBootLoaderConf } from '../../../image/plan/kernel-command-line.ts';
import { guestServiceAddress, qemuArgs, tftpBootScript } from '../../../image/boot/qemu-args.ts';
import { parseSpec } from '../../../image/spec/load.ts';

const spec = parseSpec(readFileSync(new URL('../../../image/vdd-thin.json', import.meta.url), 'utf8'), 'vdd-thin.json');
const mib = 1024 * 1024;

describe('boot configuration', () => {
  it('netboot command line: root URL, its size for the RAM-or-NBD choice, and the RAM reserve', () => {
    const line = kernelCommandLine(spec, { kind: 'http', url: 'http://server/vdd/root.squashfs', size: 12345 });
    expect(line).toBe(`${spec.kernel.parameters.join(' ')} vdd.root=http://server/vdd/root.squashfs vdd.root_size=12345 vdd.ram_reserve=150`);
  });

  it('the iPXE script loads everything relative to vdd-base and retries on failure', () => {
    const script = ipxeScript(spec, '1.2.3', 999);
    expect(script.startsWith('#!ipxe\n')).toBe(true);
    expect(script).toContain('isset ${vdd-base} || set vdd-base http://${next-server}/vdd/');
    expect(script).toMatch(
      /^kernel \$\{vdd-base\}vmlinuz initrd=initrd\.img .* vdd\.root=\$\{vdd-base\}root\.squashfs vdd\.root_size=999 .*\$\{vdd-extra\} \|\| goto failed$/m,
    );
    expect(script).toContain('initrd ${vdd-base}initrd.img || goto failed');
    expect(script).toContain('chain ${vdd-base}vdd.ipxe');
  });

  it('the disk boots slot A from both loaders with the same command line', () => {
    const line = kernelCommandLine(spec, { kind: 'disk', slot: 'a' });
    expect(line.endsWith(' vdd.root=disk:a')).toBe(true);
    expect(syslinuxConfig(spec, '1.2.3', 'a')).toContain(`  APPEND ${line}\n`);
    expect(systemdBootEntry(spec, '1.2.3', 'a')).toContain(`options ${line}\n`);
    expect(systemdBootEntry(spec, '1.2.3', 'a')).toContain('linux /a/vmlinuz\ninitrd /a/initrd.img\n');
  });

  it('gives nobody at the PC a boot prompt or a way to add kernel parameters', () => {
    const lines = syslinuxConfig(spec, '1.2.3', 'a').split('\n');
    for (const directive of ['PROMPT 0', 'NOESCAPE 1', 'ALLOWOPTIONS 0', 'TIMEOUT 0']) expect(lines).toContain(directive);
    expect(systemdBootLoaderConf('a')).toContain('editor no\n');
  });

  it('lays the disk out as FAT boot partition and two equal root slots, 1 MiB aligned', () => {
    const layout = diskLayout(spec.disk, 60 * mib);
    expect(layout.boot).toMatchObject({ offset: mib, size: 64 * mib, type: 'c', bootable: true });
    expect(layout.slotA).toMatchObject({ offset: 65 * mib, size: 160 * mib });
    expect(layout.slotB).toMatchObject({ offset: 225 * mib, size: 160 * mib });
    expect(layout.size).toBe(385 * mib);
    expect(sfdiskScript(layout)).toBe(
      [
        'label: dos',
        'unit: sectors',
        'start=2048, size=131072, type=c, bootable',
        'start=133120, size=327680, type=83',
        'start=460800, size=327680, type=83',
        '',
      ].join('\n'),
    );
  });

  it('refuses a root that does not fit a slot', () => {
    expect(() => diskLayout(spec.disk, 161 * mib)).toThrow(LayoutError);
  });
});

describe('QEMU command line', () => {
  it('restricts the guest to the forwarded loopback ports and boots iPXE from TFTP', () => {
    const args = qemuArgs({
      accel: 'tcg',
      memoryMiB: 256,
      boot: { kind: 'net', tftpDir: '/tmp/t', bootFile: 'boot.ipxe' },
      forwards: [
        { guestPort: 80, hostPort: 4321 },
        { guestPort: 10809, hostPort: 4322 },
      ],
      serial: 'stdio',
    });
    const netdev = args[args.indexOf('-netdev') + 1];
    expect(netdev).toBe(
      `user,id=net0,restrict=on,tftp=/tmp/t,bootfile=boot.ipxe,guestfwd=tcp:${guestServiceAddress}:80-cmd:socat STDIO TCP:127.0.0.1:4321,guestfwd=tcp:${guestServiceAddress}:10809-cmd:socat STDIO TCP:127.0.0.1:4322`,
    );
    expect(args).toEqual(expect.arrayContaining(['-nodefaults', '-smp', '1', '-m', '256', '-boot', 'n']));
    expect(args[args.indexOf('-machine') + 1]).toBe('pc,accel=tcg');
  });

  it('boots the disk image without writing to it, with UEFI firmware when asked', () => {
    const args = qemuArgs({
      accel: 'tcg',
      memoryMiB: 512,
      boot: { kind: 'disk', image: '/x/vdd-thin.img', uefi: { code: '/c.fd', vars: '/v.fd' } },
      forwards: [],
      serial: 'mon:stdio',
    });
    expect(args).toEqual(
      expect.arrayContaining(['-drive', 'file=/x/vdd-thin.img,format=raw,if=ide,snapshot=on', '-drive', 'if=pflash,format=raw,readonly=on,file=/c.fd']),
    );
    expect(args[args.indexOf('-netdev') + 1]).toBe('user,id=net0,restrict=on');
  });

  it('the TFTP boot file points iPXE at the forwarded HTTP server, with extra kernel parameters', () => {
    expect(tftpBootScript()).toBe(`#!ipxe\nset vdd-base http://${guestServiceAddress}/\nchain \${vdd-base}vdd.ipxe\n`);
    expect(tftpBootScript(['vdd.fetch=nbd', 'vdd.broker=http://10.0.2.100:8080/'])).toContain(
      '\nset vdd-extra vdd.fetch=nbd vdd.broker=http://10.0.2.100:8080/\n',
    );
  });
});
