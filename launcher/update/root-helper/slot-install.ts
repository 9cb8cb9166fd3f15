// The privileged half of an A/B update, run as root by /usr/lib/vdd/update-slot: takes what the
// unprivileged launcher staged (manifest.json, its signature, vmlinuz, initrd.img, root.squashfs),
// checks the signature against the image's key, writes the root to the inactive slot's partition
// and the kernel and initrd to the FAT, each checked against the signed size and sha256 (of the
// very bytes written, then read back from the partition), and only then points the boot loaders
// at the slot for one trial start. Staged files are opened without following links and read
// once, so the launcher cannot swap them between check and use. Reads no config keys.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, fsyncSync, mkdirSync, openSync, readFileSync, readSync, realpathSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Manifest } from '../../../common/manifest/manifest.ts';
import { applyBootSteps, readBootFiles, replaceFile } from './boot-files.ts';
import { manifestFileName, maxManifestBytes, maxSignatureBytes, signatureFileName, verifySignedManifest } from '../../../common/manifest/manifest-signature.ts';
import { installPlan, otherSlot, slotVersionFile, type Slot } from '../slot-state.ts';
import { UpdateRejected } from '../update-rejected.ts';

export type SlotDisk = {
  /** Where the FAT partition VDDBOOT is mounted, writable. */
  readonly fat: string;
  /** The partitions of slot a and b. */
  readonly devices: Readonly<Record<Slot, string>>;
  readonly running: Slot;
  /** PEM text of the key updates must be signed with. */
  readonly publicKey: string;
};

export type InstallProgress = (done: number, total: number) => void;

/** Kernel and initrd are read whole; far larger files are not ours. */
const maxBootArtifactBytes = 256 * 1024 * 1024;
const chunkBytes = 4 * 1024 * 1024;

/** Opens a staged file: a regular file, not a link (the staging directory belongs to the unprivileged user); undefined when it is not there. */
function openStaged(dir: string, name: string): { fd: number; size: number; path: string } | undefined {
  const path = join(dir, name);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new UpdateRejected(`${path}: ${code === 'ELOOP' ? 'is a symbolic link' : (error as Error).message}`, { cause: error });
  }
  const info = fstatSync(fd);
  if (!info.isFile()) {
    closeSync(fd);
    throw new UpdateRejected(`${path}: not a regular file`);
  }
  return { fd, size: info.size, path };
}

function readStaged(dir: string, name: string, maxBytes: number): Buffer | undefined {
  const staged = openStaged(dir, name);
  if (staged === undefined) return undefined;
  try {
    if (staged.size > maxBytes) throw new UpdateRejected(`${staged.path}: ${staged.size} bytes, more than the ${maxBytes} such a file may have`);
    const buffer = Buffer.alloc(staged.size);
    for (let offset = 0; offset < staged.size; ) {
      const read = readSync(staged.fd, buffer, offset, staged.size - offset, offset);
      if (read === 0) throw new UpdateRejected(`${staged.path}: shrank while being read`);
      offset += read;
    }
    return buffer;
  } finally {
    closeSync(staged.fd);
  }
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function checkBytes(what: string, bytes: Uint8Array, expected: { size: number; sha256: string }): void {
  if (bytes.length !== expected.size) {
    throw new UpdateRejected(`${what}: ${bytes.length} bytes, the signed manifest says ${expected.size}${bytes.length < expected.size ? ' (truncated)' : ''}`);
  }
  const actual = sha256(bytes);
  if (actual !== expected.sha256)
    throw new UpdateRejected(`${what}: sha256 ${actual.slice(0, 16)}… is not the signed ${expected.sha256.slice(0, 16)}…: corrupted`);
}

/** Size of a block device from sysfs (Node cannot ask the kernel for it directly). */
export function deviceBytes(device: string): number {
  const name = basename(realpathSync(device));
  const sectors = Number(readFileSync(`/sys/class/block/${name}/size`, 'ascii').trim());
  if (!Number.isSafeInteger(sectors)) throw new UpdateRejected(`cannot tell the size of ${device}`);
  return sectors * 512;
}

/** The signed manifest of the staged version, or why it is refused. */
export function verifyStagedManifest(staging: string, publicKey: string): Manifest {
  const manifestBytes = readStaged(staging, manifestFileName, maxManifestBytes);
  if (!manifestBytes) throw new UpdateRejected(`${join(staging, manifestFileName)}: missing: nothing is staged`);
  const signature = readStaged(staging, signatureFileName, maxSignatureBytes);
  try {
    return verifySignedManifest({ manifestBytes, signatureText: signature?.toString('latin1'), publicKey, source: staging });
  } catch (error) {
    throw new UpdateRejected((error as Error).message, { cause: error });
  }
}

/** Copies the staged root to the partition, hashing exactly the bytes written, then reads them back. */
async function writeRoot(staging: string, device: string, expected: { size: number; sha256: string }, progress: InstallProgress): Promise<void> {
  const capacity = deviceBytes(device);
  if (expected.size > capacity) throw new UpdateRejected(`root.squashfs (${expected.size} bytes) does not fit slot partition ${device} (${capacity} bytes)`);
  const staged = openStaged(staging, 'root.squashfs');
  if (staged === undefined) throw new UpdateRejected(`${join(staging, 'root.squashfs')}: missing: the download is not complete`);
  const target = openSync(device, constants.O_WRONLY);
  const buffer = Buffer.alloc(chunkBytes);
  const written = createHash('sha256');
  let position = 0;
  try {
    if (staged.size !== expected.size) {
      throw new UpdateRejected(
        `${staged.path}: ${staged.size} bytes, the signed manifest says ${expected.size}${staged.size < expected.size ? ' (truncated)' : ''}`,
      );
    }
    while (position < expected.size) {
      const read = readSync(staged.fd, buffer, 0, Math.min(chunkBytes, expected.size - position), position);
      if (read === 0) throw new UpdateRejected(`${staged.path}: shrank while being copied`);
      const chunk = buffer.subarray(0, read);
      written.update(chunk);
      for (let offset = 0; offset < read; ) offset += writeSync(target, chunk, offset, read - offset, position + offset);
      position += read;
      progress(position, expected.size * 2);
      await new Promise(setImmediate);
    }
    fsyncSync(target);
  } finally {
    closeSync(staged.fd);
    closeSync(target);
  }
  if (written.digest('hex') !== expected.sha256) {
    wipeMagic(device);
    throw new UpdateRejected(`root.squashfs: sha256 is not the signed one: corrupted`);
  }
  // Read back what the partition holds now, past the page cache (blockdev --flushbufs drops
  // the device's cached blocks): a failing disk is caught before anything boots it.
  await flushDeviceCache(device);
  const back = createHash('sha256');
  const source = openSync(device, constants.O_RDONLY);
  try {
    for (position = 0; position < expected.size; ) {
      const read = readSync(source, buffer, 0, Math.min(chunkBytes, expected.size - position), position);
      if (read === 0) break;
      back.update(buffer.subarray(0, read));
      position += read;
      progress(expected.size + position, expected.size * 2);
      await new Promise(setImmediate);
    }
  } finally {
    closeSync(source);
  }
  if (back.digest('hex') !== expected.sha256) {
    wipeMagic(device);
    throw new UpdateRejected(`${device}: what was written does not read back the same: the disk may be failing`);
  }
}

function flushDeviceCache(device: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('blockdev', ['--flushbufs', device], { timeout: 60_000 }, (error, _stdout, stderr) => {
      if (error)
        reject(new UpdateRejected(`blockdev --flushbufs ${device} failed (exit ${String(error.code)}): ${stderr.trim() || error.message}`, { cause: error }));
      else resolve();
    });
  });
}

/** A slot whose data failed its check loses its squashfs magic, so nothing ever mounts it. */
function wipeMagic(device: string): void {
  const fd = openSync(device, constants.O_WRONLY);
  try {
    writeSync(fd, Buffer.alloc(4096), 0, 4096, 0);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export type InstallResult = { readonly version: string; readonly slot: Slot };

/** Everything is checked before the first byte of the boot configuration changes; a refusal leaves the boot state as it was. */
export async function installStaged(disk: SlotDisk, staging: string, progress: InstallProgress = () => {}): Promise<InstallResult> {
  const manifest = verifyStagedManifest(staging, disk.publicKey);
  const target = otherSlot(disk.running);
  const files = readBootFiles(disk.fat);
  // Refused here, before the slot is written, when the boot state is not clean.
  installPlan(files, disk.running, target);
  const boot = new Map<string, Buffer>();
  for (const name of ['vmlinuz', 'initrd.img'] as const) {
    const bytes = readStaged(staging, name, maxBootArtifactBytes);
    if (!bytes) throw new UpdateRejected(`${join(staging, name)}: missing: the download is not complete`);
    checkBytes(join(staging, name), bytes, manifest.artifacts[name]);
    boot.set(name, bytes);
  }
  await writeRoot(staging, disk.devices[target], manifest.artifacts['root.squashfs'], progress);
  // Slot files are not referenced by the loaders while they change (target is not the default).
  mkdirSync(join(disk.fat, target), { recursive: true });
  for (const [name, bytes] of boot) replaceFile(join(disk.fat, target, name), bytes);
  replaceFile(join(disk.fat, target, slotVersionFile), `${manifest.version}\n`);
  applyBootSteps(disk.fat, files, installPlan(files, disk.running, target));
  return { version: manifest.version, slot: target };
}
