// The flashed disk this PC runs from, as the root helper sees it: the running slot (kernel
// command line), the FAT partition's device (from /proc/mounts) and the slot partitions next to
// it (partition 2 is slot a, 3 is b, as the initrd counts), the image's public key. Remounts
// the FAT writable only while a change is made. Reads no config keys.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readBoundedText } from '../../../common/io/read-bounded.ts';
import { imagePublicKeyPath, maxPublicKeyBytes } from '../../../common/manifest/manifest-signature.ts';
import { runningSlot, slotPaths } from '../slot-paths.ts';
import type { SlotDisk } from './slot-install.ts';
import { UpdateRejected } from '../update-rejected.ts';

/** /proc/mounts escapes blanks as octal. */
function unescapeMount(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_match, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

export function findSlotDisk(
  cmdline = readFileSync('/proc/cmdline', 'utf8'),
  mounts = readFileSync('/proc/mounts', 'utf8'),
  fat: string = slotPaths.fat,
): SlotDisk {
  const running = runningSlot(cmdline);
  if (!running)
    throw new UpdateRejected('this PC did not start from a flashed disk (no vdd.root=disk:a|b on the kernel command line): nothing to update in place');
  const line = mounts
    .split('\n')
    .map((entry) => entry.split(' '))
    .findLast((fields) => unescapeMount(fields[1] ?? '') === fat);
  const device = line?.[0];
  if (!device || !/^\/dev\/[A-Za-z0-9/]+1$/.test(device))
    throw new UpdateRejected(`the VDDBOOT partition is not mounted at ${fat} from a partition 1 (found ${JSON.stringify(device ?? 'nothing')})`);
  const stem = device.slice(0, -1);
  return { fat, devices: { a: `${stem}2`, b: `${stem}3` }, running, publicKey: readBoundedText(imagePublicKeyPath, maxPublicKeyBytes) };
}

function mountOption(option: 'rw' | 'ro', fat: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('mount', ['-o', `remount,${option}`, fat], { timeout: 30_000 }, (error, _stdout, stderr) => {
      if (error)
        reject(new Error(`mount -o remount,${option} ${fat} failed (exit ${String(error.code)}): ${stderr.trim() || error.message}`, { cause: error }));
      else resolve();
    });
  });
}

/** Runs change with the FAT writable, and makes it read-only again whatever happens. */
export async function withWritableFat<T>(fat: string, change: () => Promise<T>): Promise<T> {
  await mountOption('rw', fat);
  try {
    return await change();
  } finally {
    await mountOption('ro', fat);
  }
}
