// The --lease-file: who holds which desktop, kept across a broker restart so that no other PC gets
// a desktop whose holder has not yet renewed with the new broker. Written in one rename (mode 0600)
// whenever a lease begins, ends or gets a new token; it holds token hashes, never tokens. A
// damaged file is set aside as FILE.bad with a log line, and the broker starts without it
// (launchers that renew then take their leases back while the seat is free).
import { renameSync } from 'node:fs';
import { isIP } from 'node:net';
import { z } from 'zod';
import { ReadError, readBoundedText } from '../../common/io/read-bounded.ts';
import { replaceFile } from '../../common/io/replace-file.ts';
import { guestIdSchema, leaseIdSchema, macSchema } from '../../common/protocol/broker-protocol.ts';
import { describeSchemaProblem } from '../../common/protocol/schema-problem.ts';
import { LogOnce } from '../log-once.ts';
import type { Log } from '../log.ts';
import type { SavedLeases } from './lease-book.ts';

const maxFileBytes = 64 * 1024 * 1024;
const format = 'vdd-broker-leases-1';
const time = z.iso.datetime({ offset: true });

const fileSchema = z.strictObject({
  format: z.literal(format),
  savedAt: time,
  leases: z
    .array(
      z.strictObject({
        id: leaseIdSchema,
        entry: guestIdSchema,
        guest: guestIdSchema,
        holder: z.strictObject({
          address: z
            .string()
            .max(45)
            .refine((value) => isIP(value) !== 0, 'must be an IP address'),
          mac: macSchema,
          hostname: z.string().max(253),
          certificate: z
            .string()
            .regex(/^[0-9A-F:]{1,200}$/, 'must be a certificate fingerprint')
            .optional(),
        }),
        startedAt: time,
        lastSeenAt: time,
        tokenHash: z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 in hex'),
      }),
    )
    .max(100_000),
  ended: z.array(leaseIdSchema).max(100_000),
});

export class LeaseFile {
  readonly path: string;
  private readonly log: Log;
  private readonly once: LogOnce;

  constructor(path: string, log: Log) {
    this.path = path;
    this.log = log;
    this.once = new LogOnce(log);
  }

  /** What the last run saved; undefined when there is nothing (first start, or a damaged file). */
  load(): SavedLeases | undefined {
    let text: string;
    try {
      text = readBoundedText(this.path, maxFileBytes);
    } catch (error) {
      if (error instanceof ReadError && error.code === 'ENOENT') return undefined;
      if (!(error instanceof ReadError && error.code === 'TOOBIG')) throw new Error(`lease file ${this.path}: ${(error as Error).message}`, { cause: error });
      return this.setAside(`larger than ${maxFileBytes} bytes`);
    }
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch (error) {
      return this.setAside(`not JSON (${(error as Error).message})`);
    }
    const parsed = fileSchema.safeParse(document);
    if (!parsed.success) return this.setAside(describeSchemaProblem(parsed.error));
    const { leases, ended } = parsed.data;
    this.log(`lease file ${this.path}: ${leases.length} leases from before the restart, each kept until its holder renews or the grace time passes`);
    return { leases, ended };
  }

  /** Throws when the file cannot be written (at start: the broker should not run without it). */
  saveOrThrow(saved: SavedLeases): void {
    try {
      replaceFile(this.path, JSON.stringify({ format, savedAt: new Date().toISOString(), ...saved }), { mode: 0o600 });
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'its directory does not exist' : (error as Error).message;
      throw new Error(`lease file ${this.path}: cannot write (${reason})`, { cause: error });
    }
  }

  /** Later writes that fail are logged (once per reason) and tried again with the next change. */
  save(saved: SavedLeases): void {
    try {
      this.saveOrThrow(saved);
      this.once.forget('write');
    } catch (error) {
      this.once.say('write', `${(error as Error).message}; a restart now would forget the leases since`);
    }
  }

  private setAside(problem: string): undefined {
    const aside = `${this.path}.bad`;
    renameSync(this.path, aside);
    this.log(`lease file ${this.path}: ${problem}; kept as ${aside}, starting without leases (launchers that renew take theirs back)`);
    return undefined;
  }
}
