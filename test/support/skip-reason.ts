// Why a test file cannot run on this machine, said loudly: a test skips with the reason and never
// passes silently.
import { execFileSync } from 'node:child_process';

/** "not installed: A, B (...)" for the programs not on PATH, or undefined when all are there. */
export function missingTools(tools: readonly string[]): string | undefined {
  const missing = tools.filter((tool) => {
    try {
      execFileSync('sh', ['-c', 'command -v "$1"', 'sh', tool], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
  return missing.length > 0 ? `not installed: ${missing.join(', ')} (sh build/setup.sh installs them)` : undefined;
}

/** Prints "SKIPPED what: reason" when there is a reason, and returns it for describe.skipIf. */
export function announceSkip(what: string, reason: string | undefined): string | undefined {
  if (reason) console.warn(`SKIPPED ${what}: ${reason}`);
  return reason;
}
