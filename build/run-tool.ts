// Runs a build tool quietly and returns what it printed; on failure the error carries the command,
// exit status and its stderr.
import { spawnSync } from 'node:child_process';

export function runTool(command: string, args: readonly string[], options: { readonly env?: NodeJS.ProcessEnv } = {}): string {
  const result = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...(options.env ? { env: options.env } : {}) });
  if (result.error) throw new Error(`${command}: ${result.error.message}`);
  if (result.status !== 0) {
    const why = result.signal ? `killed by ${result.signal}` : `exit status ${result.status}`;
    throw new Error(`${[command, ...args].join(' ')}: ${why}\n${result.stderr.trim()}`);
  }
  return result.stdout;
}
