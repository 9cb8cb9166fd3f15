// Layout of vdd-thin.img: MBR (BIOS via syslinux, UEFI firmware reads the FAT partition too),
// partition 1 FAT "VDDBOOT" (boot loaders, kernels, vdd.conf), partitions 2 and 3 the A and B roots.
import type { ImageSpec } from '../spec/schema.ts';

export const sectorBytes = 512;
const mib = 1024 * 1024;

export type Partition = { readonly number: number; readonly offset: number; readonly size: number; readonly type: string; readonly bootable: boolean };

export type DiskLayout = { readonly size: number; readonly boot: Partition; readonly slotA: Partition; readonly slotB: Partition };

export class LayoutError extends Error {
  override readonly name = 'LayoutError';
}

/** The partitions for the spec's disk sizes (spec.disk) and a root image of rootImageSize bytes. */
export function diskLayout(disk: Pick<ImageSpec['disk'], 'bootPartitionMiB' | 'rootSlotMiB'>, rootImageSize: number): DiskLayout {
  const slotSize = disk.rootSlotMiB * mib;
  if (rootImageSize > slotSize) {
    throw new LayoutError(`root.squashfs (${(rootImageSize / mib).toFixed(1)} MiB) does not fit a root slot of disk.rootSlotMiB = ${disk.rootSlotMiB}`);
  }
  const boot: Partition = { number: 1, offset: mib, size: disk.bootPartitionMiB * mib, type: 'c', bootable: true };
  const slotA: Partition = { number: 2, offset: boot.offset + boot.size, size: slotSize, type: '83', bootable: false };
  const slotB: Partition = { number: 3, offset: slotA.offset + slotA.size, size: slotSize, type: '83', bootable: false };
  return { size: slotB.offset + slotB.size, boot, slotA, slotB };
}

/** Input for `sfdisk --no-reread --no-tell-kernel IMAGE`. */
export function sfdiskScript(layout: DiskLayout): string {
  const line = (partition: Partition) =>
    `start=${partition.offset / sectorBytes}, size=${partition.size / sectorBytes}, type=${partition.type}${partition.bootable ? ', bootable' : ''}`;
  return ['label: dos', 'unit: sectors', line(layout.boot), line(layout.slotA), line(layout.slotB), ''].join('\n');
}
