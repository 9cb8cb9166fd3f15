// Exec mode: the launcher replaces itself with the session (process.execve keeps the PID, so the
// PC keeps no launcher memory; init starts the launcher again when the session ends).
// One-process sessions (X -query, Xnest, a nested vncviewer) exec that process. The console VNC
// pair execs xinit, the classic tiny supervisor: `xinit VIEWER ARGS -- X :0 vtN ARGS` starts X,
// waits until it is ready, runs the viewer, and stops X when the viewer exits.
// The password cannot ride on fd 3 across execve (Node opens files close-on-exec): it goes
// through a FIFO in the session's runtime dir, written once by a short-lived dd child that holds
// it in a pipe, so it never lies in a file.
import { accessSync, constants, rmSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { delimiter, join } from 'node:path';
import { commandArguments, type PlannedProcess, type SessionPlan } from './session-plan.ts';
import { createSessionFiles } from './x-authority.ts';

export type ExecCommand = {
  readonly file: string;
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly fifo: string | undefined;
};

export class ExecError extends Error {
  override readonly name = 'ExecError';
}

/** How long the FIFO writer waits for vncviewer to read the password before it gives up. */
const fifoWriterSeconds = 120;

/** The single command that replaces the launcher. Pure apart from looking programs up in PATH (lookup). */
export function execCommand(plan: SessionPlan, runtimeDir: string, lookup: (command: string, path: string) => string = findInPath): ExecCommand {
  const fifo = plan.password === 'none' ? undefined : join(runtimeDir, 'vnc-password.fifo');
  const longRunning = plan.processes.filter((process) => process.role !== 'x-setup');
  const server = longRunning.find((process) => process.role === 'x-server');
  const viewer = longRunning.find((process) => process.role === 'viewer');
  const argsOf = (process: PlannedProcess) => commandArguments(process, { displayFd: false, passwordPath: fifo });
  if (server && viewer) {
    const env = { ...viewer.env };
    delete env.DISPLAY; // xinit sets it for the client
    return {
      file: lookup('xinit', env.PATH ?? ''),
      argv: ['xinit', lookup(viewer.command, viewer.env.PATH ?? ''), ...argsOf(viewer), '--', lookup(server.command, server.env.PATH ?? ''), ...argsOf(server)],
      env,
      fifo,
    };
  }
  const only = server ?? viewer;
  if (!only) throw new ExecError('the plan has no process to run');
  return { file: lookup(only.command, only.env.PATH ?? ''), argv: [only.command, ...argsOf(only)], env: only.env, fifo };
}

/** Replaces this process with the session; returns only by throwing. */
export async function execSession(plan: SessionPlan, runtimeDir: string, scrambledPassword: Buffer | undefined): Promise<never> {
  if (typeof process.execve !== 'function') throw new ExecError(`exec mode needs Node 22.15 or later (this is ${process.version})`);
  const command = execCommand(plan, runtimeDir);
  createSessionFiles(plan, runtimeDir);
  if (command.fifo && scrambledPassword) await startFifoWriter(command.fifo, scrambledPassword);
  process.execve(command.file, [...command.argv], { ...command.env });
  throw new ExecError(`execve ${command.file} returned`);
}

async function startFifoWriter(fifo: string, scrambled: Buffer): Promise<void> {
  rmSync(fifo, { force: true });
  const made = spawnSync('mkfifo', ['-m', '600', fifo], { encoding: 'utf8' });
  if (made.status !== 0) throw new ExecError(`mkfifo ${fifo} failed: ${made.error?.message ?? made.stderr.trim()}`, { cause: made.error });
  // dd opens the FIFO (blocking until vncviewer opens it to read), writes the 8 bytes from its stdin and exits.
  const writer = spawn('timeout', [String(fifoWriterSeconds), 'dd', `of=${fifo}`, 'bs=8', 'count=1'], { stdio: ['pipe', 'ignore', 'ignore'] });
  // Wait until the bytes are in the pipe: execve would drop a write still queued in this process.
  await new Promise<void>((resolve, reject) => {
    writer.once('error', reject);
    writer.stdin?.end(scrambled, () => resolve());
  });
  writer.unref();
}

export function findInPath(command: string, path: string): string {
  if (command.includes('/')) return command;
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  throw new ExecError(`${command} is not installed (not found in PATH ${path})`);
}
