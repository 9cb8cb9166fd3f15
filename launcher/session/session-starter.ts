// The one way a session starts, for `connect` and the menu alike: prepare it (profile, broker,
// password, plan), choose exec mode or supervision, ask the guest first where nobody could watch
// the answer later (exec mode) or X would wait forever (XDMCP, a guest still starting), then run
// it. The starter owns the session's password once it is read and zeroes it however the session
// ends, and keeps the session's lease (session-lease.ts) while it runs. The terminal is the
// caller's: before exec mode replaces the launcher, the caller's resetTerminal undoes what it set
// up there.
// Reads config key session_exec_below_ram (and those of prepare-session.ts).
import type { Guest, SessionAnswer } from '../../common/protocol/broker-protocol.ts';
import { execModeReason } from './exec-decision.ts';
import { execSession } from './exec-session.ts';
import { prepareSession, sessionRuntimeDir, type SessionContext } from './prepare-session.ts';
import { runSession } from './run-session.ts';
import { endLeaseQuietly, holdLeaseAcrossExec, runUnderLease } from './session-lease.ts';
import type { SessionFailure } from './session-end.ts';
import type { SpareProcess } from './spare-process.ts';

export type StartRequest = {
  /** The broker the guest's catalog came from; absent for guests given as a URI. */
  readonly broker?: string | undefined;
  /** Its answer, when the caller already asked; else it is asked here. */
  readonly brokerAnswer?: Promise<SessionAnswer | undefined> | undefined;
  /** Exec mode was asked for (connect --exec), whatever the RAM. */
  readonly execAsked?: boolean;
  /** Called once the session is on screen (or about to replace the launcher). */
  readonly started: (text: string) => void;
  /** Hears "Starting NAME... N s" while the broker starts the guest (before anything is on screen). */
  readonly progress?: ((text: string) => void) | undefined;
  /** Aborting ends a supervised session as a normal end. */
  readonly signal?: AbortSignal | undefined;
  /** Undoes the caller's terminal modes; called just before exec mode replaces the launcher. */
  readonly resetTerminal?: () => void;
  /** The viewer takes it over instead of being spawned; stopped before exec mode. */
  readonly spare?: SpareProcess | undefined;
  /** Told the guest's round trip when the probe ran and the guest answered. */
  readonly probed?: (rttMs: number) => void;
  /** Called just before exec mode replaces the launcher: what must outlive it is written now. */
  readonly beforeExec?: () => void;
};

/** Starts the session with guest and resolves when it ends: undefined for a normal end, else why
 * it failed. In exec mode it resolves only with a failure from before the exec (or throws ExecError). */
export async function startSession(guest: Guest, context: SessionContext, request: StartRequest): Promise<SessionFailure | undefined> {
  const { loaded, log } = context;
  const prepared = await prepareSession(guest, context, { broker: request.broker, brokerAnswer: request.brokerAnswer, progress: request.progress });
  if (!prepared.ok) return prepared.failure;
  const { plan, facts, scrambledPassword, probeBeforeStart, lease } = prepared.session;
  const probeGuest = prepared.session.probe;
  const probe =
    probeGuest &&
    (async () => {
      const verdict = await probeGuest();
      if (verdict.ok) request.probed?.(verdict.rttMs);
      return verdict;
    });
  try {
    const execReason = execModeReason(facts, loaded.config, { asked: request.execAsked ?? false });
    if (execReason !== undefined || probeBeforeStart) {
      // After execve nobody is left to watch a probe, and X itself would wait forever for a
      // silent XDMCP host: the verdict comes first.
      const verdict = await probe?.();
      if (verdict && !verdict.ok) {
        await endLeaseQuietly(lease, loaded, log);
        return verdict.failure;
      }
    }
    const runtimeDir = sessionRuntimeDir(loaded);
    if (execReason !== undefined) {
      log(`session ${guest.id}: exec mode: ${execReason}`);
      request.started(`Starting ${guest.name}...`);
      await request.spare?.stop();
      request.beforeExec?.();
      // Nobody is left to renew the lease: an open connection to the broker holds it while the session runs.
      if (lease) await holdLeaseAcrossExec(lease, loaded, log);
      request.resetTerminal?.();
      return await execSession(plan, runtimeDir, scrambledPassword);
    }
    const end = await runUnderLease(lease, plan.guest, loaded, { signal: request.signal, log }, (signal) =>
      runSession(plan, { runtimeDir, scrambledPassword, started: request.started, probe, log, signal, spare: request.spare }),
    );
    return end.kind === 'ended' ? undefined : end.failure;
  } finally {
    scrambledPassword?.fill(0);
  }
}
