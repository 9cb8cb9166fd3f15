// What sysfs says about a block device: its kernel name, whether it is a partition (and of which
// disk), its size, read-only flag, logical block size, the devices it is built on (slaves, a loop
// device's backing device) and the devices built on it (holders). Reads /sys/dev/block, /sys/class/block.
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export type BlockDevice = {
  /** Kernel name: sda, sda1, loop0p1, dm-0. */
  readonly name: string;
  /** The whole disk's kernel name (the name itself for a whole disk). */
  readonly disk: string;
  readonly partition: number | undefined;
  readonly sizeBytes: number;
  readonly readOnly: boolean;
  readonly logicalBlockBytes: number;
  /** Devices this one is built on: device-mapper/RAID members, a loop device's backing block device. */
  readonly below: readonly string[];
  /** Devices built on this one (device-mapper, RAID). */
  readonly holders: readonly string[];
};

export const sysBlock = '/sys/class/block';

/** The kernel name of the block device at path (symlinks such as /dev/disk/by-id/... followed), or undefined if it is none. */
export function blockDeviceName(path: string): string | undefined {
  const stat = statSync(path, { bigint: true });
  if (!stat.isBlockDevice()) return undefined;
  return nameOfDevice(majorMinor(stat.rdev));
}

/** The kernel name for a major:minor pair, or undefined when sysfs has no such block device. */
export function nameOfDevice(device: string): string | undefined {
  const link = `/sys/dev/block/${device}`;
  return existsSync(link) ? basename(realpathSync(link)) : undefined;
}

/** Linux's dev_t encoding (12-bit major and 20-bit minor, split across the word). */
function majorMinor(rdev: bigint): string {
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return `${major}:${minor}`;
}

export function readBlockDevice(name: string): BlockDevice {
  const dir = realpathSync(join(sysBlock, name));
  const partitionFile = join(dir, 'partition');
  const partition = existsSync(partitionFile) ? Number(readText(partitionFile)) : undefined;
  const diskDir = partition === undefined ? dir : dirname(dir);
  const below = [...listDir(join(dir, 'slaves'))];
  const backing = loopBackingDevice(join(diskDir, 'loop', 'backing_file'));
  if (backing !== undefined) below.push(backing);
  return {
    name,
    disk: basename(diskDir),
    partition,
    sizeBytes: Number(readText(join(dir, 'size'))) * 512,
    readOnly: readText(join(dir, 'ro')) === '1',
    logicalBlockBytes: Number(readText(join(diskDir, 'queue', 'logical_block_size'))),
    below,
    holders: listDir(join(dir, 'holders')),
  };
}

/** The partitions of a whole disk, by kernel name. */
export function partitionsOf(disk: string): string[] {
  const dir = realpathSync(join(sysBlock, disk));
  return listDir(dir).filter((entry) => existsSync(join(dir, entry, 'partition')));
}

/** A loop device backed by a block device (losetup /dev/loop1 /dev/sdb2) stands on that device. */
function loopBackingDevice(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  const backing = readText(file).replace(/ \(deleted\)$/, '');
  try {
    return backing.startsWith('/dev/') ? blockDeviceName(backing) : undefined;
  } catch {
    return undefined;
  }
}

function readText(file: string): string {
  return readFileSync(file, 'utf8').trim();
}

function listDir(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir) : [];
}
