// Build progress for people (one line per step, a ticking clock on a terminal) and the build log
// file that keeps every command and everything it printed.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';

export type ProgressOutput = { write(text: string): unknown; readonly isTTY?: boolean };

export class BuildProgress {
  readonly logPath: string;
  private readonly log: WriteStream;
  private readonly output: ProgressOutput;
  private readonly total: number;
  private index = 0;
  private stepName = '';
  private stepStart = 0;
  private ticker: NodeJS.Timeout | undefined;
  readonly started = Date.now();
  readonly timings: Record<string, number> = {};

  constructor(logPath: string, output: ProgressOutput, totalSteps: number) {
    mkdirSync(dirname(logPath), { recursive: true });
    this.logPath = logPath;
    this.log = createWriteStream(logPath, { flags: 'w' });
    this.output = output;
    this.total = totalSteps;
  }

  /** Starts the next step; the previous one is finished. */
  step(name: string, what: string): void {
    this.finishStep();
    this.index += 1;
    this.stepName = name;
    this.stepStart = Date.now();
    const line = `[${this.index}/${this.total}] ${name}: ${what}`;
    this.logLine(`==> ${line}`);
    if (this.output.isTTY) {
      this.output.write(`${line}`);
      this.ticker = setInterval(() => this.output.write(`\r${line} (${this.elapsed()} s)`), 1000);
      this.ticker.unref();
    } else this.output.write(`${line}\n`);
  }

  /** A detail of the current step, for people and the log. */
  note(text: string): void {
    this.logLine(text);
    if (this.output.isTTY) this.output.write(`\n      ${text}`);
    else this.output.write(`      ${text}\n`);
  }

  logLine(text: string): void {
    this.log.write(`${text}\n`);
  }

  /** Where commands send their output. */
  get logStream(): WriteStream {
    return this.log;
  }

  finishStep(): void {
    if (this.stepName === '') return;
    clearInterval(this.ticker);
    this.timings[this.stepName] = (Date.now() - this.stepStart) / 1000;
    this.logLine(`<== ${this.stepName} done in ${this.elapsed()} s`);
    if (this.output.isTTY) this.output.write(`\r\x1b[K[${this.index}/${this.total}] ${this.stepName}: done in ${this.elapsed()} s\n`);
    this.stepName = '';
  }

  async close(): Promise<void> {
    this.finishStep();
    await new Promise<void>((resolve) => this.log.end(resolve));
  }

  private elapsed(): string {
    return ((Date.now() - this.stepStart) / 1000).toFixed(1);
  }
}
