// One process of a session: spawned from a PlannedProcess with its exact argv and environment
// (a viewer takes over the spare process it is given, when it can), in a process group of its own,
// its stderr kept (bounded) to explain how it ended, stopped and reaped by PID.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { closeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { commandArguments, type PlannedProcess } from './session-plan.ts';
import type { SpareProcess } from './spare-process.ts';

export type ProcessExit = { readonly code: number | null; readonly signal: NodeJS.Signals | null; readonly error?: NodeJS.ErrnoException };

const keptStderrBytes = 16 * 1024;

export class SessionProcess {
  readonly planned: PlannedProcess;
  readonly child: ChildProcess;
  readonly exited: Promise<ProcessExit>;
  private stderrTail = '';
  private readonly stderrListeners: ((line: string) => void)[] = [];
  private exit: ProcessExit | undefined;

  /** fds: descriptors the process gets (fd number -> an open descriptor of the launcher, which this
   * closes once the process no longer needs it, or a new pipe). A viewer becomes spareProcess
   * when it can, instead of being spawned. */
  constructor(planned: PlannedProcess, fds: Record<number, number | 'pipe'> = {}, spareProcess?: SpareProcess) {
    this.planned = planned;
    const given = Object.values(fds).filter((fd) => typeof fd === 'number');
    const spare = planned.role === 'viewer' ? spareProcess?.become(planned, fds) : undefined;
    if (spare) {
      this.child = spare;
    } else {
      const stdio: StdioOptions = ['ignore', 'ignore', 'pipe'];
      for (let fd = 3; fd <= Math.max(2, ...Object.keys(fds).map(Number)); fd++) stdio.push(fds[fd] ?? 'ignore');
      // detached: a process group of its own, so stopping it reaches anything it started, and a Ctrl-C meant for the launcher does not.
      this.child = spawn(planned.command, commandArguments(planned), { env: { ...planned.env }, stdio, detached: true });
    }
    // A spare opens its descriptors after this returns; a spawned child already has its copies.
    const closeGiven = () => {
      for (const fd of given) closeSync(fd);
    };
    if (spare) this.child.once('exit', closeGiven);
    else closeGiven();
    this.exited = new Promise((resolve) => {
      this.child.once('error', (error: NodeJS.ErrnoException) => {
        if (this.child.pid !== undefined) return;
        this.exit = { code: null, signal: null, error };
        resolve(this.exit);
      });
      this.child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
    let partial = '';
    this.child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      this.stderrTail = (this.stderrTail + text).slice(-keptStderrBytes);
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) for (const listener of this.stderrListeners) listener(line);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exit === undefined && this.child.pid !== undefined;
  }

  /** The last 16 KiB the process wrote to stderr. */
  get stderr(): string {
    return this.stderrTail;
  }

  onStderrLine(listener: (line: string) => void): void {
    this.stderrListeners.push(listener);
  }

  /** SIGTERM to its process group, SIGKILL after graceMs; resolves once it is reaped. */
  async stop(graceMs = 3000): Promise<ProcessExit> {
    if (this.running) {
      signalGroup(this.child.pid as number, 'SIGTERM');
      const grace = new AbortController();
      const late = await Promise.race([this.exited.then(() => false), sleep(graceMs, true, { signal: grace.signal }).catch(() => false)]);
      grace.abort(); // a pending grace timer would keep the launcher alive after the session
      if (late) signalGroup(this.child.pid as number, 'SIGKILL');
    }
    return this.exited;
  }

  /** Synchronous last resort when the launcher itself is exiting. */
  killNow(): void {
    if (this.running) signalGroup(this.child.pid as number, 'SIGKILL');
  }
}

/** Signals the process group pid leads (spawned detached), or just pid when it has none. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}
