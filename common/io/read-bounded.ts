// Reads a small text file without trusting its size: refuses files over a limit instead of
// filling memory, and turns errno codes into words a person can act on.
import { closeSync, openSync, readSync } from 'node:fs';

export class ReadError extends Error {
  override readonly name = 'ReadError';
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

const reasons: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'a parent is not a directory',
  ELOOP: 'too many symbolic links',
  EIO: 'input/output error',
};

/** Reads at most maxBytes of UTF-8; throws ReadError (code TOOBIG when the file is larger). */
export function readBoundedText(path: string, maxBytes: number): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw toReadError(error);
  }
  try {
    // Read one byte past the limit: /proc files report size 0, so fstat cannot be trusted. The
    // buffer grows with what arrives, so a small file costs little whatever the limit.
    let buffer = Buffer.allocUnsafe(Math.min(maxBytes + 1, 64 * 1024));
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        const larger = Buffer.allocUnsafe(Math.min(maxBytes + 1, buffer.length * 2));
        buffer.copy(larger, 0, 0, length);
        buffer = larger;
      }
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
      if (length > maxBytes) throw new ReadError('TOOBIG', `larger than ${maxBytes} bytes`);
    }
    return buffer.toString('utf8', 0, length);
  } catch (error) {
    throw error instanceof ReadError ? error : toReadError(error);
  } finally {
    closeSync(fd);
  }
}

function toReadError(error: unknown): ReadError {
  const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
  return new ReadError(code, reasons[code] ?? (error as Error).message, { cause: error });
}
