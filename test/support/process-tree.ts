// The processes below a PID, read from /proc: for tests that must find (or kill) what a daemon or
// the launcher started, including children that moved to sessions of their own.
import { readFileSync } from 'node:fs';

/** Every process below pid (host PIDs), parents before their children. */
export function descendantPids(pid: number): number[] {
  let direct: number[] = [];
  try {
    direct = readFileSync(`/proc/${pid}/task/${pid}/children`, 'latin1').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
  return direct.flatMap((child) => [child, ...descendantPids(child)]);
}

/** The processes below pid whose argv[0] is executable. */
export function descendantsRunning(pid: number, executable: string): number[] {
  return descendantPids(pid).filter((child) => {
    try {
      return readFileSync(`/proc/${child}/cmdline`, 'latin1').split('\0')[0] === executable;
    } catch {
      return false; // Exited meanwhile.
    }
  });
}

/** SIGKILL to each PID still there; one that ended meanwhile (ESRCH) is what was wanted anyway. */
export function killAll(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }
}
