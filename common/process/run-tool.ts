// Runs a tool quietly (an argument array, never a shell string) and returns what it printed; a
// failure is a ToolError that carries the command, its exit status or signal and the stderr that
// explains it.
import { spawnSync } from 'node:child_process';

export class ToolError extends Error {
  override readonly name = 'ToolError';
  readonly command: readonly string[];
  readonly exitCode: number | null;
  readonly stderr: string;

  constructor(command: readonly string[], outcome: { exitCode: number | null; signal?: string | null; stderr: string }, cause?: unknown) {
    const why = outcome.signal ? `killed by ${outcome.signal}` : outcome.exitCode === null ? 'could not run' : `exit status ${outcome.exitCode}`;
    super(`${command.join(' ')}: ${why}${outcome.stderr.trim() ? `\n${outcome.stderr.trim()}` : ''}`, cause === undefined ? undefined : { cause });
    this.command = command;
    this.exitCode = outcome.exitCode;
    this.stderr = outcome.stderr;
  }
}

export function runTool(command: string, args: readonly string[], options: { readonly env?: NodeJS.ProcessEnv } = {}): string {
  const result = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...(options.env ? { env: options.env } : {}) });
  if (result.error) throw new ToolError([command, ...args], { exitCode: null, stderr: result.error.message }, result.error);
  if (result.status !== 0) throw new ToolError([command, ...args], { exitCode: result.status, signal: result.signal, stderr: result.stderr });
  return result.stdout;
}
