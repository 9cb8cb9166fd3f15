// The --reports file: every accepted client report as one JSON line {"receivedAt", "from",
// "report"}, appended as it arrives. It is what the admin status comes back from after a restart
// (replay reads FILE.1, then FILE). Bounded: past maxBytes the file moves to FILE.1 (replacing
// the older one) and the new file starts with one line per known PC (its latest facts and the
// last hour's sessions), so a rotation forgets no PC.
import { appendFileSync, readFileSync, renameSync, statSync } from 'node:fs';
import { z } from 'zod';
import { reportSchema, type ClientReport } from '../../common/protocol/broker-protocol.ts';
import { describeSchemaProblem } from '../../common/protocol/schema-problem.ts';

export const defaultReportFileBytes = 16 * 1024 * 1024;

export type ReportLine = { readonly receivedAt: number; readonly from: string; readonly report: ClientReport };

const lineSchema = z.strictObject({ receivedAt: z.iso.datetime({ offset: true }), from: z.string().max(64), report: reportSchema });

export type ReplaySummary = { readonly lines: number; readonly bad: number; readonly firstProblem: string | undefined };

function formatLine(line: ReportLine): string {
  return `${JSON.stringify({ receivedAt: new Date(line.receivedAt).toISOString(), from: line.from, report: line.report })}\n`;
}

export class ReportFile {
  readonly path: string;
  private readonly maxBytes: number;
  private size: number;
  /** Bytes of the snapshot the file started with: a file is rotated once it holds as much again. */
  private snapshotBytes = 0;
  /** The lines a new file starts with after a rotation. */
  private readonly snapshot: () => readonly ReportLine[];

  constructor(path: string, snapshot: () => readonly ReportLine[], maxBytes = defaultReportFileBytes) {
    this.path = path;
    this.maxBytes = maxBytes;
    this.snapshot = snapshot;
    try {
      this.size = statSync(path).size;
    } catch {
      this.size = 0;
    }
  }

  append(line: ReportLine): void {
    const text = formatLine(line);
    const bytes = Buffer.byteLength(text);
    if (this.size > 0 && this.size + bytes > Math.max(this.maxBytes, 2 * this.snapshotBytes)) this.rotate();
    appendFileSync(this.path, text, { mode: 0o640 });
    this.size += bytes;
  }

  /** Hands every valid line of FILE.1 and FILE, oldest first, to take; bad lines are counted. */
  replay(take: (line: ReportLine) => void): ReplaySummary {
    let lines = 0;
    let bad = 0;
    let firstProblem: string | undefined;
    for (const path of [`${this.path}.1`, this.path]) {
      let text: string;
      try {
        // Both files are bounded by maxBytes (a snapshot may overshoot it once).
        if (statSync(path).size > this.maxBytes * 4) throw new Error(`larger than ${this.maxBytes * 4} bytes: not read`);
        text = readFileSync(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        bad++;
        firstProblem ??= `${path}: ${(error as Error).message}`;
        continue;
      }
      let number = 0;
      for (const raw of text.split('\n')) {
        number++;
        if (raw.trim() === '') continue;
        lines++;
        let parsed: ReturnType<typeof lineSchema.safeParse>;
        try {
          parsed = lineSchema.safeParse(JSON.parse(raw));
        } catch (error) {
          bad++;
          firstProblem ??= `${path} line ${number}: not JSON (${(error as Error).message})`;
          continue;
        }
        if (!parsed.success) {
          bad++;
          firstProblem ??= `${path} line ${number}: ${describeSchemaProblem(parsed.error)}`;
          continue;
        }
        take({ receivedAt: Date.parse(parsed.data.receivedAt), from: parsed.data.from, report: parsed.data.report });
      }
    }
    return { lines, bad, firstProblem };
  }

  private rotate(): void {
    renameSync(this.path, `${this.path}.1`);
    const text = this.snapshot().map(formatLine).join('');
    appendFileSync(this.path, text, { mode: 0o640 });
    this.size = Buffer.byteLength(text);
    this.snapshotBytes = this.size;
  }
}
