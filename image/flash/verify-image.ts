// Reads the target back (past the page cache on a device) and compares it with the image chunk by
// chunk; a difference names the first byte offset that differs. Comparing every byte is the whole
// check: the image's sha256 was taken while writing, so none is computed again here.
import { open } from 'node:fs/promises';
import { alignedBuffers } from './aligned-buffer.ts';
import { ByteProgress, type ProgressOutput } from './byte-progress.ts';
import { openForReading, readFully, type FlashTarget } from './flash-target.ts';
import { chunkBytes } from './write-image.ts';

export class VerifyError extends Error {
  override readonly name = 'VerifyError';
}

export type VerifyResult = { readonly seconds: number };

export async function verifyImage(image: string, target: FlashTarget, output: ProgressOutput): Promise<VerifyResult> {
  const source = await open(image, 'r');
  try {
    const size = (await source.stat()).size;
    const readBack = await openForReading(target);
    try {
      const [written] = alignedBuffers(chunkBytes, 1) as [Buffer];
      const original = Buffer.allocUnsafe(chunkBytes);
      const progress = new ByteProgress(output, 'verifying', size);
      for (let position = 0; position < size; position += chunkBytes) {
        const length = Math.min(chunkBytes, size - position);
        const [expected, actual] = await Promise.all([readFully(source, original, length, position), readFully(readBack, written, length, position)]);
        if (expected !== length)
          throw new VerifyError(`${image} ended at byte ${position + expected} while being read back (was it changed during the flash?)`);
        if (actual !== length) throw new VerifyError(`${target.path} ends at byte ${position + actual}, before the end of the image (${size} bytes).`);
        const want = original.subarray(0, length);
        const got = written.subarray(0, length);
        if (!got.equals(want)) {
          const offset = position + firstDifference(want, got);
          throw new VerifyError(
            `${target.path} differs from ${image} at byte ${offset} (sector ${Math.floor(offset / 512)}): the medium did not keep what was written, or something else wrote to it.`,
          );
        }
        progress.update(position + length);
      }
      return { seconds: progress.finish(size) };
    } finally {
      await readBack.close();
    }
  } finally {
    await source.close();
  }
}

function firstDifference(a: Buffer, b: Buffer): number {
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return index;
  return a.length;
}
