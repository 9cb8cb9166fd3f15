// Progress of a long copy for people on stderr: a bar with bytes, MB/s and the time left, redrawn
// in place on a terminal; one plain line per tenth of the work when stderr is a pipe or a log.

export type ProgressOutput = { write(text: string): unknown; readonly isTTY?: boolean; readonly columns?: number };

export function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
}

export class ByteProgress {
  private readonly output: ProgressOutput;
  private readonly label: string;
  private readonly total: number;
  private readonly started = performance.now();
  // performance.now() counts from process start, which may be under 100 ms ago: draw the first update.
  private lastDraw = Number.NEGATIVE_INFINITY;
  private lastTenth = 0;

  constructor(output: ProgressOutput, label: string, total: number) {
    this.output = output;
    this.label = label;
    this.total = total;
  }

  update(done: number): void {
    const seconds = (performance.now() - this.started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const left = rate > 0 ? (this.total - done) / rate : Number.POSITIVE_INFINITY;
    const fraction = this.total === 0 ? 1 : done / this.total;
    const figures = `${(done / 1e6).toFixed(1)}/${megabytes(this.total)}, ${(rate / 1e6).toFixed(1)} MB/s, ${duration(left)} left`;
    if (this.output.isTTY) {
      // Redrawing more often than 10 times a second costs time and shows nothing new.
      const now = performance.now();
      if (now - this.lastDraw < 100 && done < this.total) return;
      this.lastDraw = now;
      const width = 20;
      const filled = Math.round(fraction * width);
      const line = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.floor(fraction * 100)}% ${figures}`;
      // A line longer than the terminal wraps, and \r then redraws only its last part.
      this.output.write(`\r\x1b[K${line.slice(0, (this.output.columns ?? 80) - 1)}`);
      return;
    }
    const tenth = Math.floor(fraction * 10);
    if (tenth > this.lastTenth && tenth < 10) {
      this.lastTenth = tenth;
      this.output.write(`${this.label}: ${Math.floor(fraction * 100)}%, ${figures}\n`);
    }
  }

  /** Ends the bar with the figures for the whole run; returns the seconds it took. */
  finish(done: number): number {
    const seconds = (performance.now() - this.started) / 1000;
    const rate = seconds > 0 ? done / seconds / 1e6 : 0;
    const line = `${this.label}: ${megabytes(done)} in ${seconds.toFixed(1)} s (${rate.toFixed(1)} MB/s)`;
    this.output.write(this.output.isTTY ? `\r\x1b[K${line}\n` : `${line}\n`);
    return seconds;
  }
}
