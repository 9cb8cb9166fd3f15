// A real terminal for menu tests: a tmux session of a given size and TERM running argv, with
// send-keys and capture-pane, removed after the test file.
import { execFileSync, spawnSync } from 'node:child_process';
import { afterAll } from 'vitest';
import { waitFor } from './children.ts';

let counter = 0;

export class TmuxTerminal {
  private readonly socket = `vdd-test-${process.pid}-${++counter}`;

  constructor(argv: readonly string[], options: { columns?: number; rows?: number; term?: string; env?: Record<string, string> } = {}) {
    const env = { TERM: options.term ?? 'xterm', ...options.env };
    const envArgs = Object.entries(env).flatMap(([name, value]) => ['-e', `${name}=${value}`]);
    this.tmux('-f', '/dev/null', 'new-session', '-d', '-x', String(options.columns ?? 80), '-y', String(options.rows ?? 25), ...envArgs, '--', ...argv);
    this.tmux('set-option', '-g', 'remain-on-exit', 'on');
    this.tmux('set-option', '-g', 'status', 'off');
  }

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }

  /** The screen as text lines; with attributes, SGR sequences (e.g. \x1b[7m for inverse) are kept. */
  screen(attributes = false): string {
    return this.tmux('capture-pane', '-p', ...(attributes ? ['-e'] : []));
  }

  /** Lines drawn in inverse video (title, key help, the cursor bar...), as plain text. */
  inverseLines(): string[] {
    // eslint-disable-next-line no-control-regex
    const sgr = /\x1b\[([0-9;]*)m/g;
    return this.screen(true)
      .split('\n')
      .filter((row) => [...row.matchAll(sgr)].some((match) => (match[1] ?? '').split(';').includes('7')))
      .map((row) => row.replace(sgr, ''));
  }

  /** Keys in tmux send-keys names (Enter, Up, C-c, Escape...) or literal text with literal: true. */
  send(keys: readonly string[] | string, literal = false): void {
    this.tmux('send-keys', ...(literal ? ['-l'] : []), ...(typeof keys === 'string' ? [keys] : keys));
  }

  async waitForText(text: string | RegExp, timeoutMs = 10_000): Promise<string> {
    let last = '';
    try {
      return await waitFor(
        `${String(text)} on screen`,
        () => {
          last = this.screen();
          return (typeof text === 'string' ? last.includes(text) : text.test(last)) ? last : undefined;
        },
        { timeoutMs },
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}; screen was:\n${last}`);
    }
  }

  /** A command that shows this terminal read-only (e.g. inside an xterm, for a screenshot). */
  viewerArgv(): string[] {
    return ['tmux', '-L', this.socket, 'attach-session', '-r'];
  }

  /** The PID of the program in the pane. */
  pid(): number {
    return Number(this.tmux('display-message', '-p', '#{pane_pid}').trim());
  }

  /** Whether the program in the pane has exited. */
  dead(): boolean {
    return this.tmux('display-message', '-p', '#{pane_dead}').trim() === '1';
  }

  close(): void {
    spawnSync('tmux', ['-L', this.socket, 'kill-server'], { stdio: 'ignore' });
  }
}

/** Terminals closed after the test file. */
export function useTerminals(): (argv: readonly string[], options?: ConstructorParameters<typeof TmuxTerminal>[1]) => TmuxTerminal {
  const terminals: TmuxTerminal[] = [];
  afterAll(() => {
    for (const terminal of terminals) terminal.close();
  });
  return (argv, options) => {
    const terminal = new TmuxTerminal(argv, options);
    terminals.push(terminal);
    return terminal;
  };
}
