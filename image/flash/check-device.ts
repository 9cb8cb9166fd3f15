// Refuses block devices that must not be flashed: the disk holding /, a mounted disk or one with a
// mounted partition, swap, a member of a device-mapper/RAID volume, a read-only or too small
// device, and (unless forced) anything that is not a whole disk. Each refusal is one sentence
// naming the device. Reads /proc/self/mountinfo, /proc/swaps and sysfs.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { blockDeviceName, nameOfDevice, partitionsOf, readBlockDevice, type BlockDevice } from './block-device.ts';
import { megabytes } from './byte-progress.ts';
import { parseMountinfo } from '../../common/system/mountinfo.ts';

export class FlashRefusal extends Error {
  override readonly name = 'FlashRefusal';
}

type Use = { readonly what: string; readonly name: string; readonly stack: ReadonlySet<string>; readonly root: boolean };

export function checkTargetDevice(path: string, imageBytes: number, force: boolean): BlockDevice {
  if (!existsSync(path)) throw new FlashRefusal(`${path} does not exist.`);
  const name = statSync(path).isBlockDevice() ? blockDeviceName(path) : undefined;
  if (name === undefined) throw new FlashRefusal(`${path} is not a block device; to write an image file use --file.`);
  const device = readBlockDevice(name);

  const uses = currentUses();
  const root = uses.find((use) => use.root);
  if (root && (root.stack.has(device.disk) || root.stack.has(device.name))) {
    throw new FlashRefusal(`${path} is on the disk that holds the running system's root filesystem (/dev/${root.name} on /), so it is never flashed.`);
  }
  const used = uses.find((use) => use.stack.has(device.name));
  if (used) {
    const own = used.name === device.name ? '' : ` through /dev/${used.name}`;
    throw new FlashRefusal(`${path} is in use${own} (${used.what}); unmount it or turn it off first.`);
  }
  const stacked = [device.name, ...(device.partition === undefined ? partitionsOf(device.name) : [])].flatMap((part) => readBlockDevice(part).holders);
  if (stacked.length > 0) {
    throw new FlashRefusal(`${path} is part of /dev/${stacked[0]} (device-mapper, LVM, RAID or encryption); stop that volume first.`);
  }
  if (device.readOnly) throw new FlashRefusal(`${path} is read-only.`);
  if (!force && device.partition !== undefined) {
    throw new FlashRefusal(
      `${path} is partition ${device.partition} of /dev/${device.disk}, not a whole disk; flash /dev/${device.disk}, or add --force to write into the partition.`,
    );
  }
  if (!force && device.below.length > 0) {
    throw new FlashRefusal(
      `${path} is built on /dev/${device.below.join(', /dev/')} (a device-mapper, RAID or loop device), not a whole disk; add --force to write to it anyway.`,
    );
  }
  if (device.sizeBytes < imageBytes) {
    throw new FlashRefusal(`${path} holds ${megabytes(device.sizeBytes)}, less than the ${megabytes(imageBytes)} image.`);
  }
  if (imageBytes % device.logicalBlockBytes !== 0) {
    throw new FlashRefusal(`${path} takes ${device.logicalBlockBytes}-byte blocks and the image (${imageBytes} bytes) is not a whole number of them.`);
  }
  return device;
}

/** Every mounted filesystem and active swap, with the block devices it stands on. */
function currentUses(): Use[] {
  const uses: Use[] = [];
  for (const mount of parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8'))) {
    const name = nameOfDevice(mount.device) ?? deviceAtPath(mount.source);
    if (name !== undefined)
      uses.push({ what: `${mount.source} is mounted on ${mount.mountPoint}`, name, stack: stackBelow(name), root: mount.mountPoint === '/' });
  }
  const swaps = existsSync('/proc/swaps') ? readFileSync('/proc/swaps', 'utf8').split('\n').slice(1) : [];
  for (const line of swaps) {
    const file = line.split(/\s+/)[0]?.replace(/\\040/g, ' ');
    const name = file ? deviceAtPath(file) : undefined;
    if (name !== undefined) uses.push({ what: `${file} is active swap`, name, stack: stackBelow(name), root: false });
  }
  return uses;
}

/** A mount source like /dev/sdb1 (btrfs and others report an anonymous major:minor). */
function deviceAtPath(path: string): string | undefined {
  if (!path.startsWith('/dev/')) return undefined;
  try {
    return blockDeviceName(path);
  } catch {
    return undefined;
  }
}

/** The device, its whole disk, and everything it is built on, down to the disks. */
function stackBelow(name: string, seen = new Set<string>()): Set<string> {
  if (seen.has(name)) return seen;
  seen.add(name);
  let device: BlockDevice;
  try {
    device = readBlockDevice(name);
  } catch {
    return seen;
  }
  seen.add(device.disk);
  for (const lower of device.below) stackBelow(lower, seen);
  return seen;
}
