// Screenshots of a test display with xwd, reduced to the figures tests check: how many pixels
// differ from the most common colour and how many colours there are ("not blank", "something drawn").
import { execFileSync } from 'node:child_process';

export type ScreenFigures = { readonly width: number; readonly height: number; readonly colours: number; readonly nonBackgroundPixels: number; readonly nonBackgroundShare: number };

/** xwd of the root window of display (e.g. ":5"); XAUTHORITY and the like come from env. */
export function screenshot(display: string, env: NodeJS.ProcessEnv = process.env): ScreenFigures {
  const xwd = execFileSync('xwd', ['-root', '-silent', '-display', display], { env, maxBuffer: 64 * 1024 * 1024, timeout: 10_000 });
  return figures(xwd);
}

/** Reads an XWD (version 7, ZPixmap, 24/32 bits per pixel) dump. */
export function figures(xwd: Buffer): ScreenFigures {
  const field = (index: number) => xwd.readUInt32BE(index * 4);
  const [headerSize, version, format, width, height, byteOrder, bitsPerPixel, bytesPerLine, colourEntries] = [
    field(0), field(1), field(2), field(4), field(5), field(7), field(11), field(12), field(19),
  ];
  if (version !== 7 || format !== 2 || (bitsPerPixel !== 32 && bitsPerPixel !== 24)) throw new Error(`unsupported xwd: version ${version}, format ${format}, ${bitsPerPixel} bpp`);
  const pixels = headerSize + colourEntries * 12;
  const bytesPerPixel = bitsPerPixel / 8;
  const counts = new Map<number, number>();
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = pixels + y * bytesPerLine + x * bytesPerPixel;
      const value = bytesPerPixel === 4 ? (byteOrder === 0 ? xwd.readUInt32LE(at) : xwd.readUInt32BE(at)) & 0xffffff : xwd.readUIntBE(at, 3);
      counts.set(value, (counts.get(value) ?? 0) + 1);
    }
  }
  const background = Math.max(...counts.values());
  const nonBackgroundPixels = width * height - background;
  return { width, height, colours: counts.size, nonBackgroundPixels, nonBackgroundShare: nonBackgroundPixels / (width * height) };
}
