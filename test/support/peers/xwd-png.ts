// Turns an X display's root window (xwd) into a PNG file, for screenshots of the demo and the
// README; PNG written with node:zlib, so no image tools are needed.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { crc32, deflateSync } from 'node:zlib';

export type Pixels = { readonly width: number; readonly height: number; readonly rgb: Buffer };

/** Where an XWD dump (version 7, ZPixmap, 24 or 32 bits per pixel) keeps its pixels, from its
 * header (the first 100 bytes are enough). */
export type XwdLayout = {
  readonly width: number;
  readonly height: number;
  readonly start: number;
  readonly bytesPerLine: number;
  readonly bytesPerPixel: number;
  readonly byteOrder: number;
};

export function xwdLayout(header: Buffer): XwdLayout {
  const field = (index: number) => header.readUInt32BE(index * 4);
  const [headerSize, version, format, width, height, byteOrder, bitsPerPixel, bytesPerLine, colourEntries] = [
    field(0),
    field(1),
    field(2),
    field(4),
    field(5),
    field(7),
    field(11),
    field(12),
    field(19),
  ];
  if (version !== 7 || format !== 2 || (bitsPerPixel !== 32 && bitsPerPixel !== 24))
    throw new Error(`unsupported xwd: version ${version}, format ${format}, ${bitsPerPixel} bpp`);
  return { width, height, start: headerSize + colourEntries * 12, bytesPerLine, bytesPerPixel: bitsPerPixel / 8, byteOrder };
}

/** The 24-bit colour of the pixel at byte offset at of a row or dump laid out as layout says. */
export function xwdPixel(data: Buffer, at: number, { bytesPerPixel, byteOrder }: XwdLayout): number {
  return (bytesPerPixel === 4 ? (byteOrder === 0 ? data.readUInt32LE(at) : data.readUInt32BE(at)) : data.readUIntBE(at, 3)) & 0xffffff;
}

/** Decodes an XWD dump to packed RGB. */
export function decodeXwd(xwd: Buffer): Pixels {
  const layout = xwdLayout(xwd);
  const { width, height, start, bytesPerLine, bytesPerPixel } = layout;
  const rgb = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      rgb.writeUIntBE(xwdPixel(xwd, start + y * bytesPerLine + x * bytesPerPixel, layout), (y * width + x) * 3, 3);
    }
  }
  return { width, height, rgb };
}

function chunk(type: string, data: Buffer): Buffer {
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

export function encodePng({ width, height, rgb }: Pixels): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.alloc(height * (width * 3 + 1));
  for (let y = 0; y < height; y++) rgb.copy(rows, y * (width * 3 + 1) + 1, y * width * 3, (y + 1) * width * 3);
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export type CaptureOptions = {
  /** XAUTHORITY and the like. */
  readonly env?: NodeJS.ProcessEnv;
  /** Read inside this network namespace, where the display lives. */
  readonly netns?: string;
};

/** The root window of display (e.g. ":5"). */
export function capture(display: string, options: CaptureOptions = {}): Pixels {
  const xwd = ['xwd', '-root', '-silent', '-display', display];
  const [command, ...args] = options.netns === undefined ? xwd : ['ip', 'netns', 'exec', options.netns, ...xwd];
  // xwd walks the windows on the screen: one that a client destroys meanwhile (a viewer ending or
  // starting) fails the capture with BadWindow; the next capture sees the screen as it is then.
  for (let attempt = 1; ; attempt++) {
    try {
      return decodeXwd(
        execFileSync(command ?? 'xwd', args, {
          env: options.env ?? process.env,
          maxBuffer: 64 * 1024 * 1024,
          timeout: 10_000,
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
      );
    } catch (error) {
      const stderr = String((error as { stderr?: Buffer }).stderr ?? '');
      if (attempt >= 3 || !stderr.includes('BadWindow')) throw error;
    }
  }
}

export function writePng(pixels: Pixels, file: string): void {
  writeFileSync(file, encodePng(pixels));
}
