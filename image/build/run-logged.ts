// Runs a build command with its output going to the build log; a failure carries the command,
// its exit status and the end of what it printed.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { BuildProgress } from './progress.ts';

export class CommandError extends Error {
  override readonly name = 'CommandError';
}

export type RunOptions = {
  readonly input?: string;
  readonly cwd?: string;
  /** Collect stdout and return it instead of logging it. */
  readonly captureStdout?: boolean;
  readonly env?: NodeJS.ProcessEnv;
  /** Write stdout to this file (an archive, a compressed image) instead of the log. */
  readonly stdoutFile?: string;
};

export function runLogged(progress: BuildProgress, command: string, args: readonly string[], options: RunOptions = {}): Promise<string> {
  const shown = args.length > 12 ? [...args.slice(0, 12), `... (${args.length - 12} more arguments)`] : args;
  progress.logLine(`$ ${[command, ...shown].map(quoteForLog).join(' ')}`);
  const outputFd = options.stdoutFile === undefined ? undefined : openSync(options.stdoutFile, 'w');
  return new Promise<string>((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? { ...process.env, LC_ALL: 'C.UTF-8' },
      stdio: [options.input === undefined ? 'ignore' : 'pipe', outputFd ?? 'pipe', 'pipe'],
    });
    let tail = '';
    let stdout = '';
    const keep = (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-4000);
      progress.logStream.write(chunk);
    };
    child.stdout?.on('data', (chunk: Buffer) => {
      if (options.captureStdout) stdout += chunk.toString();
      else keep(chunk);
    });
    child.stderr?.on('data', keep);
    child.on('error', (error) => reject(new CommandError(`${command}: ${error.message}`, { cause: error })));
    child.on('close', (code, signal) => {
      if (code === 0) return resolve(stdout);
      const why = signal ? `killed by ${signal}` : `exit status ${code}`;
      reject(
        new CommandError(
          `${[command, ...shown].map(quoteForLog).join(' ')}: ${why}\n${tail.trim().split('\n').slice(-15).join('\n')}\n(full output in ${progress.logPath})`,
        ),
      );
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  }).finally(() => {
    if (outputFd !== undefined) closeSync(outputFd);
  });
}

function quoteForLog(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
