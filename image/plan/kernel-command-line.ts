// Boot loader texts: the kernel command line for each way of booting, the iPXE script, the
// syslinux (BIOS) and systemd-boot (UEFI) entries of the flashed disk.
import type { ImageSpec } from '../spec/schema.ts';

export type RootSource = { readonly kind: 'http'; readonly url: string; readonly size: number } | { readonly kind: 'disk'; readonly slot: 'a' | 'b' };

export function kernelCommandLine(spec: ImageSpec, root: RootSource): string {
  const parameters = [...spec.kernel.parameters];
  if (root.kind === 'http') {
    parameters.push(`vdd.root=${root.url}`, `vdd.root_size=${root.size}`, `vdd.ram_reserve=${spec.netboot.ramReserveMiB}`);
  } else parameters.push(`vdd.root=disk:${root.slot}`);
  return parameters.join(' ');
}

/**
 * The netboot script. URLs are relative to ${vdd-base}, which a site sets before chaining it
 * (default: the boot server's /vdd/ directory); the NBD fallback uses the same host. A site may
 * also set ${vdd-extra} to more kernel parameters (vdd.broker=..., launcher settings).
 */
export function ipxeScript(spec: ImageSpec, version: string, rootSize: number): string {
  const line = kernelCommandLine(spec, { kind: 'http', url: '${vdd-base}root.squashfs', size: rootSize });
  return [
    '#!ipxe',
    `# ${spec.name} ${version}: set vdd-base to the URL of this directory before chaining this script.`,
    'isset ${vdd-base} || set vdd-base http://${next-server}/vdd/',
    `echo ${spec.name} ${version}: loading from \${vdd-base}`,
    `kernel \${vdd-base}vmlinuz initrd=initrd.img ${line} \${vdd-extra} || goto failed`,
    'initrd ${vdd-base}initrd.img || goto failed',
    'boot || goto failed',
    ':failed',
    'echo Cannot load the thin client image from ${vdd-base}; trying again in 10 seconds.',
    'sleep 10',
    'chain ${vdd-base}vdd.ipxe',
    '',
  ].join('\n');
}

export const diskSlots = ['a', 'b'] as const;

/**
 * syslinux.cfg on the FAT partition: an entry for each slot, DEFAULT picks one. A/B updates
 * (launcher/update/slot-state.ts) and the initrd's rollback change only the DEFAULT line.
 * Nobody at the PC may change what boots: no prompt (PROMPT 0, and NOESCAPE 1 ignores Shift and
 * Alt, which would open one), and ALLOWOPTIONS 0 refuses kernel parameters typed after a label
 * (vdd.root=, init=) should a prompt appear anyway.
 */
export function syslinuxConfig(spec: ImageSpec, version: string, slot: 'a' | 'b'): string {
  return [
    `# ${spec.name} ${version}: BIOS boot; DEFAULT is the slot that starts (A/B updates switch it)`,
    'SERIAL 0 115200',
    'PROMPT 0',
    'NOESCAPE 1',
    'ALLOWOPTIONS 0',
    'TIMEOUT 0',
    `DEFAULT ${slot}`,
    ...diskSlots.flatMap((entry) => [
      `LABEL ${entry}`,
      `  KERNEL /${entry}/vmlinuz`,
      `  INITRD /${entry}/initrd.img`,
      `  APPEND ${kernelCommandLine(spec, { kind: 'disk', slot: entry })}`,
    ]),
    '',
  ].join('\n');
}

export function systemdBootLoaderConf(slot: 'a' | 'b'): string {
  return [`default vdd-${slot}.conf`, 'timeout 0', 'editor no', ''].join('\n');
}

export function systemdBootEntry(spec: ImageSpec, version: string, slot: 'a' | 'b'): string {
  return [
    `title ${spec.name} ${version} (slot ${slot.toUpperCase()})`,
    `version ${version}`,
    `linux /${slot}/vmlinuz`,
    `initrd /${slot}/initrd.img`,
    `options ${kernelCommandLine(spec, { kind: 'disk', slot })}`,
    '',
  ].join('\n');
}
