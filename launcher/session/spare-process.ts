// A process started while the menu is idle that becomes the next session's viewer, so Enter costs
// a pipe write and an exec. Node starts every child with fork(), which copies the page tables of
// the launcher's whole heap and makes the child tear that copy down again in execve, on the path
// between Enter and the viewer's first instruction; a small shell forks far faster.
// The spare is /bin/sh running a fixed program that reads the command as data on its stdin, one
// field per line: the file to open as fd 3 (or an empty line), NAME=VALUE environment entries, an
// empty line, the program, its arguments. read -r, export and "$@" take each line as one literal
// value: nothing in the command is ever shell code. A field holding a newline cannot travel as a
// line; such a process is spawned the ordinary way, as is any when no spare is waiting.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { ExecError, findInPath } from './exec-session.ts';
import { commandArguments, type PlannedProcess } from './session-plan.ts';

const spareProgram = [
  // dash exports PWD on its own; the planned environment is the whole environment.
  'unset PWD',
  // End of input before a command: the launcher went away, and so does the spare.
  'IFS= read -r fd3 || exit 0',
  'while IFS= read -r entry && [ -n "$entry" ]; do export "$entry"; done',
  'set --',
  'while IFS= read -r arg; do set -- "$@" "$arg"; done',
  'if [ -n "$fd3" ]; then exec 3<"$fd3"; fi',
  'exec "$@"',
].join('\n');

/**
 * The waiting spare of one owner (the menu's sessions). Whoever starts a session hands it to the
 * runner, which lets the viewer take it over; nothing else can.
 */
export class SpareProcess {
  private waiting: ChildProcess | undefined;

  /** Starts a spare unless one is waiting; the waiting spare's PID. It costs one fork of the launcher: call it when idle. */
  start(): number | undefined {
    if (this.waiting) return this.waiting.pid;
    let spare: ChildProcess;
    try {
      spare = spawn('/bin/sh', ['-c', spareProgram], { env: {}, stdio: ['pipe', 'ignore', 'pipe'], detached: true });
    } catch {
      // Out of processes or memory: the viewer is spawned as usual, which reports that if it persists.
      return undefined;
    }
    spare.once('error', () => this.drop(spare));
    spare.once('exit', () => this.drop(spare));
    // A waiting spare keeps nothing running: when the launcher exits, it reads end of input and exits too.
    setReferenced(spare, false);
    this.waiting = spare;
    return spare.pid;
  }

  /** Stops the waiting spare and waits until it is reaped (before execve, which would leave it a zombie). */
  async stop(): Promise<void> {
    const spare = this.waiting;
    if (!spare) return;
    this.waiting = undefined;
    if (spare.exitCode !== null || spare.signalCode !== null) return;
    const exited = new Promise((resolve) => spare.once('exit', resolve));
    spare.kill('SIGKILL');
    await exited;
  }

  /**
   * The waiting spare, now running planned; undefined when none is waiting or it cannot give what
   * planned needs: its descriptors may only be fd 3 from an open descriptor of the launcher (the
   * spare reopens it through /proc, so it must stay open until the process exits).
   */
  become(planned: PlannedProcess, fds: Readonly<Record<number, number | 'pipe'>>): ChildProcess | undefined {
    const spare = this.waiting;
    if (!spare || spare.pid === undefined) return undefined;
    const fd3 = fds[3];
    if (fd3 === 'pipe' || Object.keys(fds).some((fd) => fd !== '3')) return undefined;
    const request = spareRequest(planned, fd3 === undefined ? '' : `/proc/${process.pid}/fd/${fd3}`);
    if (request === undefined) return undefined;
    this.waiting = undefined;
    setReferenced(spare, true);
    spare.stdin?.end(request);
    return spare;
  }

  private drop(spare: ChildProcess): void {
    if (this.waiting === spare) this.waiting = undefined;
  }
}

/** The lines the spare reads, or undefined when a field holds a newline or the program is not installed. */
export function spareRequest(planned: PlannedProcess, fd3Path: string, lookup: (command: string, path: string) => string = findInPath): string | undefined {
  let program: string;
  try {
    // Looked up here so a missing program fails as a spawn would (ENOENT), not as the shell's exit 127.
    program = lookup(planned.command, planned.env.PATH ?? '');
  } catch (error) {
    if (error instanceof ExecError) return undefined;
    throw error;
  }
  const fields = [fd3Path, ...Object.entries(planned.env).map(([name, value]) => `${name}=${value}`), '', program, ...commandArguments(planned)];
  if (fields.some((field) => field.includes('\n') || field.includes('\0'))) return undefined;
  return `${fields.join('\n')}\n`;
}

/** ChildProcess and its stdio pipes (net.Socket) each hold the event loop while referenced. */
function setReferenced(child: ChildProcess, referenced: boolean): void {
  for (const handle of [child, child.stdin as Socket | null, child.stderr as Socket | null]) {
    if (referenced) handle?.ref();
    else handle?.unref();
  }
}
