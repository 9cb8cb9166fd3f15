// Drives tmux in control mode so a benchmark can start programs in a real pseudo-terminal and
// time, without polling, when their output shows a given text or when they exit.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';

export type PaneRun = { readonly output: string; readonly ms: number };

/** Decodes tmux's %output escaping (octal \ooo for control bytes and backslash). */
function decodeOutput(data: string): string {
  return data.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

export function tmuxQuote(argument: string): string {
  if (argument.includes("'")) throw new Error(`argument with a single quote cannot be passed to tmux: ${argument}`);
  return `'${argument}'`;
}

/** Each control client gets its own server: one started on the socket of a server that is still
 * going away after kill-server joins it and ends with it, taking every pending command along. */
let servers = 0;

export class TmuxControl {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly socket = `vdd-bench-${process.pid}-${++servers}`;
  private exited: Error | undefined;
  private listener: ((line: string) => void) | undefined;
  private readonly replies: ((lines: string[]) => void)[] = [];
  private readonly failures: ((error: Error) => void)[] = [];
  private reply: string[] | undefined;

  constructor(columns: number, rows: number) {
    this.child = spawn('tmux', ['-L', this.socket, '-f', '/dev/null', '-C', 'new-session', '-x', String(columns), '-y', String(rows), '-s', 'bench'], {
      stdio: 'pipe',
    });
    createInterface({ input: this.child.stdout }).on('line', (line) => this.onLine(line));
    // A tmux that ends fails what waits for its replies, instead of leaving it waiting forever.
    this.child.once('exit', (code, signal) => {
      this.exited = new Error(`tmux control client ended (${signal ?? `exit ${code}`})`);
      for (const waiting of this.failures.splice(0)) waiting(this.exited);
    });
    // Through the reply queue like every command: its reply would otherwise answer the next one.
    this.send(`refresh-client -C ${columns}x${rows}`, () => {});
  }

  private onLine(line: string): void {
    const block = /^%(begin|end|error) \d+ \d+ (\d+)$/.exec(line);
    if (block) {
      // Flags 0 marks the reply to the command tmux was started with, not one of ours.
      const ours = block[2] === '1';
      if (block[1] === 'begin') this.reply = [];
      else {
        if (ours && this.reply) this.replies.shift()?.(this.reply);
        this.reply = undefined;
      }
    } else if (this.reply) this.reply.push(line);
    else this.listener?.(line);
  }

  command(text: string): Promise<string[]> {
    return new Promise((resolve, reject) => {
      if (this.exited) return reject(this.exited);
      this.failures.push(reject);
      this.send(text, (lines) => {
        this.failures.splice(this.failures.indexOf(reject), 1);
        resolve(lines);
      });
    });
  }

  /** onReply runs synchronously when the reply arrives, before any later notification. */
  private send(text: string, onReply: (lines: string[]) => void): void {
    this.replies.push(onReply);
    this.child.stdin.write(`${text}\n`);
  }

  /** Starts argv in a new window with env; resolves when `until` appears in its output, or when it exits. */
  async run(argv: readonly string[], env: Record<string, string>, until?: string, timeoutMs = 10000): Promise<PaneRun & { pane: string }> {
    await this.command('set-option -g remain-on-exit off');
    // As on a thin client's console, which is not tmux: blessed would otherwise run `tmux -V` at
    // start (~3 ms before the first frame) and wrap some output for tmux.
    const envArgs = Object.entries({ TMUX: '', ...env })
      .map(([name, value]) => `-e ${tmuxQuote(`${name}=${value}`)}`)
      .join(' ');
    let output = '';
    let pane = '';
    let window = '';
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no ${until ?? 'exit'} within ${timeoutMs} ms; output: ${JSON.stringify(output.slice(-400))}`)),
        timeoutMs,
      );
      const finish = () => {
        clearTimeout(timer);
        this.listener = undefined;
        resolve({ output, ms: performance.now() - started, pane });
      };
      this.listener = (line) => {
        const match = /^%output (%\d+) (.*)$/.exec(line);
        if (match && match[1] === pane) {
          output += decodeOutput(match[2] ?? '');
          if (until !== undefined && output.includes(until)) finish();
        } else if (until === undefined && (line === `%window-close ${window}` || line === `%unlinked-window-close ${window}`)) finish();
      };
      const started = performance.now();
      this.send(`new-window -d -P -F '#{window_id} #{pane_id}' ${envArgs} -- ${argv.map(tmuxQuote).join(' ')}`, (lines) => {
        [window = '', pane = ''] = (lines[0] ?? '').split(' ');
      });
    });
  }

  /** Sends a key (tmux key name) to a pane; resolves with the ms until the pane next writes anything. */
  press(pane: string, key: string, timeoutMs = 10000): Promise<number> {
    return this.untilOutput(pane, () => this.send(`send-keys -t ${pane} ${tmuxQuote(key)}`, () => {}), key, timeoutMs);
  }

  /** Runs action; resolves with the ms until the pane next writes anything (its next redraw). */
  untilOutput(pane: string, action: () => void, what = 'the action', timeoutMs = 10000): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no redraw within ${timeoutMs} ms after ${what}`)), timeoutMs);
      this.listener = (line) => {
        if (!line.startsWith(`%output ${pane} `)) return;
        clearTimeout(timer);
        this.listener = undefined;
        resolve(performance.now() - started);
      };
      const started = performance.now();
      action();
    });
  }

  /** Runs action; resolves with the ms until the pane's output from then on contains text (e.g. a respawned program's first frame). */
  untilOutputContains(pane: string, action: () => void, text: string, timeoutMs = 10000): Promise<number> {
    return new Promise((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => {
        this.listener = undefined;
        reject(new Error(`no ${text} within ${timeoutMs} ms; output: ${JSON.stringify(output.slice(-400))}`));
      }, timeoutMs);
      this.listener = (line) => {
        const match = /^%output (%\d+) (.*)$/.exec(line);
        if (match?.[1] !== pane) return;
        output += decodeOutput(match[2] ?? '');
        if (!output.includes(text)) return;
        clearTimeout(timer);
        this.listener = undefined;
        resolve(performance.now() - started);
      };
      const started = performance.now();
      action();
    });
  }

  /** Polls the pane's screen (not its output stream, which redraws only what changed) for text. */
  async waitForScreen(pane: string, text: string, timeoutMs = 10000): Promise<void> {
    await this.untilScreen(pane, (screen) => screen.includes(text), text, timeoutMs);
  }

  /** Resolves with the ms until the pane's screen passes test (polled every 10 ms). */
  async untilScreen(pane: string, test: (screen: string) => boolean, what: string, timeoutMs = 10000): Promise<number> {
    const started = performance.now();
    for (;;) {
      const screen = (await this.command(`capture-pane -p -t ${pane}`)).join('\n');
      if (test(screen)) return performance.now() - started;
      if (performance.now() - started > timeoutMs) throw new Error(`no ${what} on screen within ${timeoutMs} ms:\n${screen}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async panePid(pane: string): Promise<number> {
    const [line] = await this.command(`display-message -p -t ${pane} '#{pane_pid}'`);
    return Number(line);
  }

  async killWindows(): Promise<void> {
    await this.command('kill-window -a -t bench:0');
  }

  close(): void {
    // Synchronously, so no tmux server outlives the benchmark even when it failed.
    spawnSync('tmux', ['-L', this.socket, 'kill-server'], { stdio: 'ignore' });
    this.child.kill();
  }
}
