// Runs a SessionPlan under supervision: creates its files, starts the X server and waits until it
// accepts clients (-displayfd), then the viewer; returns when the session ends, with the reason
// when it ended badly. Every process is stopped and reaped by PID, files and stale X locks removed.
import type { Readable } from 'node:stream';
import { failure, classifyExit, type SessionEnd } from './session-end.ts';
import type { PlannedProcess, SessionPlan } from './session-plan.ts';
import { SessionProcess } from './session-process.ts';
import { unlinkedFile } from '../../common/io/unlinked-file.ts';
import { createSessionFiles, removeSessionFiles } from './x-authority.ts';
import { probeGuest, type ProbeVerdict } from './probe-guest.ts';
import { removeStaleXLock } from './x-lock.ts';
import type { SpareProcess } from './spare-process.ts';

/** How long a session may take to show itself before the probe asks the guest why not. */
const probeGraceMs = 200;

export type RunOptions = {
  /** Private directory (created 0700) for the session's files. */
  readonly runtimeDir: string;
  /** The password in vncpasswd's scrambled form, when plan.password is not "none". */
  readonly scrambledPassword?: Buffer | undefined;
  /** Called once the session is on screen. */
  readonly started?: ((text: string) => void) | undefined;
  readonly log?: ((line: string) => void) | undefined;
  /** Aborting ends the session (its processes are stopped) as a normal end. */
  readonly signal?: AbortSignal | undefined;
  readonly readyTimeoutMs?: number | undefined;
  /** A probe to run alongside, started probeGraceMs after the first process unless the session is
   * on screen by then: if it fails before the session is on screen, the session stops with its reason. */
  readonly probe?: (() => Promise<ProbeVerdict>) | undefined;
  /** A waiting process the viewer takes over instead of being spawned (spare-process.ts). */
  readonly spare?: SpareProcess | undefined;
};

/** The processes of the session running now, for tests and benchmarks (PIDs). */
export type RunningSession = { readonly pids: () => number[] };

export async function runSession(plan: SessionPlan, options: RunOptions, watch?: (running: RunningSession) => void): Promise<SessionEnd> {
  const log = options.log ?? (() => {});
  const processes: SessionProcess[] = [];
  const killAll = () => {
    for (const process of processes) process.killNow();
  };
  process.once('exit', killAll);
  watch?.({ pids: () => processes.filter((p) => p.running).map((p) => p.pid as number) });
  let display: number | undefined = typeof plan.display === 'number' ? plan.display : undefined;
  let xServerPid: number | undefined;
  let probeTimer: NodeJS.Timeout | undefined;
  try {
    createSessionFiles(plan, options.runtimeDir);
    let shown = false;
    let probeFailure: SessionEnd | undefined;
    let stop = (): void => {};
    const stopped = new Promise<'aborted'>((resolve) => {
      stop = () => resolve('aborted');
      if (options.signal?.aborted) stop();
      options.signal?.addEventListener('abort', stop, { once: true });
    });
    // A session on screen within probeGraceMs makes the probe moot (its verdict counts only until
    // then), and it would compete with the first frame for the CPU.
    const watchProbe = () =>
      (probeTimer = setTimeout(() => {
        if (shown) return;
        void options.probe?.().then((verdict) => {
          if (verdict.ok || shown) return;
          probeFailure = { kind: 'failed', failure: verdict.failure };
          stop();
        });
      }, probeGraceMs));
    const show = (text: string) => {
      if (shown) return;
      shown = true;
      options.started?.(text);
    };
    for (const planned of plan.processes) {
      const fds: Record<number, number | 'pipe'> = {};
      if (planned.displayFd !== undefined) fds[planned.displayFd] = 'pipe';
      if (planned.passwordFd !== undefined && options.scrambledPassword) fds[planned.passwordFd] = unlinkedFile(options.runtimeDir, options.scrambledPassword);
      const started = new SessionProcess(planned, fds, options.spare);
      processes.push(started);
      if (processes.length === 1) watchProbe();
      log(`session: started ${planned.command} (pid ${started.pid ?? 'none'})`);
      if (planned.role === 'x-server') {
        xServerPid = started.pid;
        const ready = await Promise.race([
          readDisplayNumber(started, planned, options.readyTimeoutMs ?? 30_000),
          started.exited.then(() => 'exited' as const),
          stopped,
        ]);
        if (ready === 'aborted') return probeFailure ?? { kind: 'ended' };
        if (ready === 'exited' || ready === 'timeout') {
          if (ready === 'timeout') await started.stop();
          return ready === 'timeout'
            ? {
                kind: 'failed',
                failure: failure(
                  'x-server-failed',
                  plan.guest,
                  `${planned.command} did not report its display within ${options.readyTimeoutMs ?? 30_000} ms: ${started.stderr.trim().split('\n').slice(-3).join(' / ')}`,
                ),
              }
            : classifyExit(planned, await started.exited, started.stderr, plan.guest);
        }
        display = ready;
        log(`session: ${planned.command} ready on display :${display}`);
        if (plan.guest.protocol === 'xdmcp') show(`Connected to ${plan.guest.name}`);
      } else if (planned.role === 'x-setup') {
        const exit = await Promise.race([started.exited, stopped]);
        if (exit === 'aborted') return probeFailure ?? { kind: 'ended' };
        if (exit.code !== 0) log(`session: ${planned.command} ${planned.args.join(' ')} failed: ${started.stderr.trim()}`);
      } else {
        started.onStderrLine((line) => {
          // The first framebuffer update follows the pixel format agreement.
          if (/Using pixel format/.test(line)) show(`Connected to ${plan.guest.name}`);
        });
      }
    }
    const long = processes.filter((p) => p.planned.role !== 'x-setup');
    const first = await Promise.race([...long.map((p) => p.exited.then(() => p)), stopped]);
    if (first === 'aborted') return probeFailure ?? { kind: 'ended' };
    let end = classifyExit(first.planned, await first.exited, first.stderr, plan.guest);
    if (end.kind === 'failed' && !shown && options.probe) {
      // Ended before anything was on screen: what the guest says (refused, silent) explains it
      // better than the viewer's exit, which may be a consequence.
      clearTimeout(probeTimer);
      const verdict = await options.probe();
      if (!verdict.ok) end = { kind: 'failed', failure: verdict.failure };
    }
    end = await confirmXdmcpEnd(plan, end);
    log(`session: ${first.planned.command} ended (${end.kind === 'ended' ? 'normally' : `${end.failure.code}: ${end.failure.detail}`})`);
    return end;
  } finally {
    clearTimeout(probeTimer);
    for (const running of processes.reverse()) await running.stop();
    process.removeListener('exit', killAll);
    removeSessionFiles(plan);
    if (display !== undefined && xServerPid !== undefined) removeStaleXLock(display, xServerPid);
  }
}

/**
 * X -once (and Xnest) exits 0 both when the user logs out and when the display manager dies, its
 * greeter or session gone with it: only asking the display manager again tells the two apart. One
 * that still answers (Willing or not) saw a logout; one that no longer answers took the session.
 */
async function confirmXdmcpEnd(plan: SessionPlan, end: SessionEnd): Promise<SessionEnd> {
  if (end.kind !== 'ended' || plan.guest.protocol !== 'xdmcp') return end;
  const verdict = await probeGuest(plan);
  if (verdict.ok || verdict.failure.code === 'unwilling') return end;
  return { kind: 'failed', failure: failure('connection-lost', plan.guest, `the display manager no longer answers: ${verdict.failure.detail}`) };
}

/** The display number the X server writes to its -displayfd once it accepts connections. */
function readDisplayNumber(server: SessionProcess, planned: PlannedProcess, timeoutMs: number): Promise<number | 'timeout'> {
  const pipe = server.child.stdio[planned.displayFd as number] as Readable | null | undefined;
  return new Promise((resolve) => {
    let text = '';
    const timer = setTimeout(() => resolve('timeout'), timeoutMs);
    pipe?.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      const match = /^(\d{1,5})\n/.exec(text);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
      if (text.length > 16) pipe.destroy();
    });
    server.exited.then(() => clearTimeout(timer));
  });
}
