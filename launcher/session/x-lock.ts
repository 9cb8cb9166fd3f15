// X servers leave /tmp/.X<N>-lock and /tmp/.X11-unix/X<N> behind when they are killed; the next
// server on that display then refuses to start. Removes them when their PID is the one we ran.
import { readFileSync, rmSync } from 'node:fs';
import { processAlive } from '../../common/system/process-alive.ts';

export function removeStaleXLock(display: number, pid: number, tmp = '/tmp'): void {
  const lock = `${tmp}/.X${display}-lock`;
  let owner: number;
  try {
    owner = Number(readFileSync(lock, 'latin1').trim());
  } catch {
    return;
  }
  if (owner !== pid || processAlive(pid)) return;
  rmSync(lock, { force: true });
  rmSync(`${tmp}/.X11-unix/X${display}`, { force: true });
}
