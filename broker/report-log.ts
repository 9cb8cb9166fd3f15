// Client reports kept as JSON lines in the --reports file, one report per line with when and from
// which address it came. Bounded: past maxBytes the file moves to FILE.1 (replacing the older one);
// the caller's admit() limits what one address may add (broker/access/client-gate.ts), so one
// flooding PC cannot rotate the others' reports away.
import { appendFileSync, renameSync, statSync } from 'node:fs';
import type { ClientReport } from '../common/protocol/broker-protocol.ts';

export const defaultReportLogBytes = 16 * 1024 * 1024;

export class ReportLog {
  private readonly path: string;
  private readonly maxBytes: number;
  private size: number;

  constructor(path: string, maxBytes = defaultReportLogBytes) {
    this.path = path;
    this.maxBytes = maxBytes;
    try {
      this.size = statSync(path).size;
    } catch {
      this.size = 0;
    }
  }

  /** admit(bytes) throws when this address may not add that much now. */
  append(report: ClientReport, from: string, admit: (bytes: number) => void = () => {}): void {
    const line = `${JSON.stringify({ receivedAt: new Date().toISOString(), from, report })}\n`;
    const bytes = Buffer.byteLength(line);
    admit(bytes);
    if (this.size > 0 && this.size + bytes > this.maxBytes) {
      renameSync(this.path, `${this.path}.1`);
      this.size = 0;
    }
    appendFileSync(this.path, line, { mode: 0o640 });
    this.size += bytes;
  }
}
