// Reads QEMU's binary PPM (P6) screendumps: how much of the screen shows one colour, which tells
// a painted remote desktop from a text console or a blank screen.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { QmpClient } from './qmp.ts';

export function colourShare(ppm: Buffer, [red, green, blue]: readonly [number, number, number]): number {
  const header = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(ppm.subarray(0, 64).toString('latin1'));
  if (!header) throw new Error('the screendump is not a binary PPM');
  const pixels = Number(header[1]) * Number(header[2]);
  let matching = 0;
  for (let offset = header[0].length; offset + 2 < ppm.length; offset += 3) {
    if (Math.abs(ppm[offset]! - red) < 8 && Math.abs(ppm[offset + 1]! - green) < 8 && Math.abs(ppm[offset + 2]! - blue) < 8) matching += 1;
  }
  return matching / pixels;
}

/**
 * Takes a screendump into `file` every `everyMs` until at least `share` of the screen shows the
 * colour or `timeoutMs` passed; returns the last share seen (the caller says what it expected).
 */
export async function waitForScreenColour(
  qmp: QmpClient,
  file: string,
  colour: readonly [number, number, number],
  options: { share: number; timeoutMs: number; everyMs?: number },
): Promise<number> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    await qmp.execute('screendump', { filename: file });
    const share = colourShare(readFileSync(file), colour);
    if (share >= options.share || Date.now() > deadline) return share;
    await sleep(options.everyMs ?? 2000);
  }
}
