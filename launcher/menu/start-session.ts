// Starts the session for a guest chosen in the menu. The session code is imported on the first
// start (or by warmUpSessions once the first frame is drawn), so the menu's first frame never
// pays for it; its state (reconnect backoff, the client profile) lives on. Each session's figures
// go to report (the status reports to the broker).
import type { Guest, ReportSession } from '../../common/protocol/broker-protocol.ts';
import type { LoadedConfig } from '../config/load.ts';
import type { GuestSessions } from '../session/guest-sessions.ts';
import type { Log } from '../system/launcher-log.ts';
import type { SessionOutcome } from './ports.ts';

let sessions: GuestSessions | undefined;

export async function startSession(
  guest: Guest,
  loaded: LoadedConfig,
  env: Readonly<Record<string, string | undefined>>,
  log: Log,
  started: (text: string) => void,
  report?: (session: ReportSession) => void,
): Promise<SessionOutcome> {
  sessions ??= (await import('../session/guest-sessions.ts')).createGuestSessions(loaded, env, log, Math.random, report);
  const outcome = await sessions.start(guest, started);
  return outcome.problem ? { problem: outcome.problem } : {};
}

/** Call once the menu's first frame is on screen: loads the session code and reads the client
 * profile (systeminformation) in the background, so Enter starts the session without waiting. */
export function warmUpSessions(
  loaded: LoadedConfig,
  env: Readonly<Record<string, string | undefined>>,
  log: Log,
  report?: (session: ReportSession) => void,
): void {
  void import('../session/guest-sessions.ts').then((module) => {
    sessions ??= module.createGuestSessions(loaded, env, log, Math.random, report);
    return sessions.warmUp();
  });
}
