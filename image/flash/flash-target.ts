// Opens what vdd-image flash writes to and reads back from: a block device with O_DIRECT (the page
// cache neither hides slow writes from the progress bar nor answers the read-back) and O_EXCL (the
// kernel refuses while the device is mounted or claimed), or an image file.
import { constants, type promises } from 'node:fs';
import { open } from 'node:fs/promises';
import { FlashRefusal } from './check-device.ts';

export type FlashTarget = { readonly kind: 'device' | 'file'; readonly path: string };

export async function openForWriting(target: FlashTarget): Promise<promises.FileHandle> {
  if (target.kind === 'file') return open(target.path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o644);
  try {
    return await open(target.path, constants.O_WRONLY | constants.O_DIRECT | constants.O_EXCL);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EBUSY') {
      throw new FlashRefusal(`${target.path} is in use by the kernel (mounted, swap, or part of a volume), so it cannot be opened exclusively.`, {
        cause: error,
      });
    }
    throw new Error(`cannot open ${target.path} for writing: ${(error as Error).message}`, { cause: error });
  }
}

export async function openForReading(target: FlashTarget): Promise<promises.FileHandle> {
  try {
    return await open(target.path, target.kind === 'device' ? constants.O_RDONLY | constants.O_DIRECT : constants.O_RDONLY);
  } catch (error) {
    throw new Error(`cannot open ${target.path} to read it back: ${(error as Error).message}`, { cause: error });
  }
}

/** Reads until `length` bytes are in buffer or the end is reached; returns how many arrived. */
export async function readFully(handle: promises.FileHandle, buffer: Buffer, length: number, position: number): Promise<number> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}
