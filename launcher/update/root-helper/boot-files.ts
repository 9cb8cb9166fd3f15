// Reads and changes the A/B boot state on the flashed disk's FAT partition (mounted at a
// directory): every change is one file written as NAME.new, flushed, renamed over NAME and the
// directory flushed, so a power cut leaves the old or the new file, never half of one. The
// order of the changes is slot-state.ts's. Reads no config keys.
import { closeSync, constants, fsyncSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { syncToDisk } from '../../../common/io/sync-to-disk.ts';
import {
  applyStep,
  bootFilePaths,
  loaderSlot,
  parseTrial,
  SlotStateError,
  syslinuxSlot,
  withLoaderSlot,
  withSyslinuxSlot,
  formatTrial,
  type BootFiles,
  type BootStep,
} from '../slot-state.ts';

/** Boot loader files are a few hundred bytes; a larger one is not ours. */
const maxBootFileBytes = 64 * 1024;

function readSmall(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SlotStateError(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    const buffer = Buffer.alloc(maxBootFileBytes + 1);
    let length = 0;
    for (;;) {
      const read = length <= maxBootFileBytes ? readSync(fd, buffer, length, buffer.length - length, null) : 0;
      if (read === 0) break;
      length += read;
    }
    if (length > maxBootFileBytes) throw new SlotStateError(`${path} is larger than ${maxBootFileBytes} bytes: not a vdd-thin boot file`);
    return buffer.subarray(0, length).toString('latin1');
  } finally {
    closeSync(fd);
  }
}

function required(fat: string, name: string): string {
  const path = join(fat, name);
  const text = readSmall(path);
  if (text === undefined) throw new SlotStateError(`${path} is missing: this disk was not made by vdd-image`);
  return text;
}

export function readBootFiles(fat: string): BootFiles {
  const trialPath = join(fat, bootFilePaths.trial);
  const trialText = readSmall(trialPath);
  return {
    syslinux: syslinuxSlot(required(fat, bootFilePaths.syslinux), join(fat, bootFilePaths.syslinux)),
    loader: loaderSlot(required(fat, bootFilePaths.loader), join(fat, bootFilePaths.loader)),
    trial: trialText === undefined ? null : parseTrial(trialText, trialPath),
  };
}

/**
 * NAME.new, flushed, renamed over NAME, directory flushed. NAME.new is made afresh and never
 * followed if it is a link (root writes these files).
 */
export function replaceFile(path: string, content: Uint8Array | string): void {
  const temporary = `${path}.new`;
  rmSync(temporary, { force: true });
  const fd = openSync(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  try {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'latin1') : content;
    for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  syncToDisk(dirname(path));
}

function applyToDisk(fat: string, step: BootStep): void {
  switch (step.kind) {
    case 'syslinux': {
      const path = join(fat, bootFilePaths.syslinux);
      replaceFile(path, withSyslinuxSlot(required(fat, bootFilePaths.syslinux), step.slot, path));
      return;
    }
    case 'loader': {
      const path = join(fat, bootFilePaths.loader);
      replaceFile(path, withLoaderSlot(required(fat, bootFilePaths.loader), step.slot, path));
      return;
    }
    case 'trial': {
      const path = join(fat, bootFilePaths.trial);
      if (step.trial) replaceFile(path, formatTrial(step.trial));
      else {
        rmSync(path, { force: true });
        syncToDisk(fat);
      }
      return;
    }
  }
}

/** Carries out the steps in order; returns the state after them. */
export function applyBootSteps(fat: string, files: BootFiles, steps: readonly BootStep[]): BootFiles {
  let state = files;
  for (const step of steps) {
    applyToDisk(fat, step);
    state = applyStep(state, step);
  }
  return state;
}
