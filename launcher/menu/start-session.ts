// Starts the session for a guest chosen in the menu. The session code is imported on the first
// start, so the menu's first frame never pays for it; its state (reconnect backoff) lives on.
import type { Guest } from '../broker/catalog-schema.ts';
import type { LoadedConfig } from '../config/load.ts';
import type { GuestSessions } from '../session/guest-sessions.ts';
import type { SessionOutcome } from './ports.ts';

let sessions: GuestSessions | undefined;

export async function startSession(guest: Guest, loaded: LoadedConfig, env: Readonly<Record<string, string | undefined>>, started: (text: string) => void): Promise<SessionOutcome> {
  sessions ??= (await import('../session/guest-sessions.ts')).createGuestSessions(loaded, env);
  const outcome = await sessions.start(guest, started);
  return outcome.problem ? { problem: outcome.problem } : {};
}
