// Finds an X display number nobody uses, by the lock files and sockets X servers leave in /tmp, for
// test X servers. -displayfd alone cannot be trusted to pick one in tests: inside another network
// namespace the abstract and TCP sockets of a running server are invisible, and a new server that
// listens on unix sockets replaces the socket path of the outer display (and then hangs talking to itself).
import { existsSync, readFileSync } from 'node:fs';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether display n looks taken: a socket, or a lock file of a live process (a stale one the X server removes itself). */
function displayInUse(n: number): boolean {
  if (existsSync(`/tmp/.X11-unix/X${n}`)) return true;
  try {
    const pid = Number(readFileSync(`/tmp/.X${n}-lock`, 'latin1').trim());
    return !Number.isInteger(pid) || pid <= 0 || alive(pid);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/** The first free display from `from` on (at most 200 tried). */
export function firstFreeDisplay(from: number): number {
  for (let n = from; n < from + 200; n++) if (!displayInUse(n)) return n;
  throw new Error(`no free X display between :${from} and :${from + 199}`);
}
