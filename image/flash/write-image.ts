// Writes the image to the target in 4 MiB chunks, reading the next chunk while the last one is
// written, with a progress bar; then flushes it to the medium. An image file target stays sparse:
// it is sized first and all-zero chunks are not written.
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { alignedBuffers } from './aligned-buffer.ts';
import { ByteProgress, type ProgressOutput } from './byte-progress.ts';
import { openForWriting, readFully, type FlashTarget } from './flash-target.ts';

export const chunkBytes = 4 * 1024 * 1024;

export type WriteResult = { readonly bytes: number; readonly sha256: string; readonly writeSeconds: number; readonly syncSeconds: number };

export async function writeImage(image: string, target: FlashTarget, output: ProgressOutput): Promise<WriteResult> {
  const source = await open(image, 'r');
  try {
    const size = (await source.stat()).size;
    const destination = await openForWriting(target);
    try {
      if (target.kind === 'file') await destination.truncate(size);
      const buffers = alignedBuffers(chunkBytes, 2);
      const zeros = Buffer.alloc(chunkBytes);
      const hash = createHash('sha256');
      const progress = new ByteProgress(output, 'writing', size);
      let position = 0;
      let index = 0;
      let next = readFully(source, buffers[0]!, Math.min(chunkBytes, size), 0);
      while (position < size) {
        const length = await next;
        const expected = Math.min(chunkBytes, size - position);
        if (length !== expected) throw new Error(`${image} ended at byte ${position + length} while being read (was it changed during the flash?)`);
        const buffer = buffers[index % 2]!;
        const following = position + length;
        if (following < size) next = readFully(source, buffers[(index + 1) % 2]!, Math.min(chunkBytes, size - following), following);
        const chunk = buffer.subarray(0, length);
        // The write runs on libuv's thread pool; hashing the same (unchanging) chunk meanwhile hides its cost.
        const writing = target.kind === 'device' || !chunk.equals(zeros.subarray(0, length)) ? writeAll(destination, chunk, position, target.path) : undefined;
        hash.update(chunk);
        await writing;
        position = following;
        index += 1;
        progress.update(position);
      }
      const writeSeconds = progress.finish(size);
      const syncStarted = performance.now();
      output.write(`flushing ${target.path}...\n`);
      await destination.datasync();
      return { bytes: size, sha256: hash.digest('hex'), writeSeconds, syncSeconds: (performance.now() - syncStarted) / 1000 };
    } finally {
      await destination.close();
    }
  } finally {
    await source.close();
  }
}

async function writeAll(handle: Awaited<ReturnType<typeof open>>, chunk: Buffer, position: number, path: string): Promise<void> {
  let done = 0;
  while (done < chunk.length) {
    try {
      const { bytesWritten } = await handle.write(chunk, done, chunk.length - done, position + done);
      done += bytesWritten;
    } catch (error) {
      throw new Error(`writing ${path} at byte ${position + done} failed: ${(error as Error).message}`, { cause: error });
    }
  }
}
