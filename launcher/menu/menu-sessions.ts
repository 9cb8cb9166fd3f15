// The menu's sessions. The session code is imported on the first start (or by warmUp once the
// first frame is drawn), so the menu's first frame never pays for it; what it keeps between
// sessions (reconnect pauses, the spare process) lives as long as the menu that made it.
import type { GuestSessions, GuestSessionsOptions } from '../session/guest-sessions.ts';
import type { SessionContext } from '../session/prepare-session.ts';
import type { SessionStarter } from './ports.ts';

export type MenuSessions = {
  readonly start: SessionStarter;
  /** Call once the first frame is on screen: loads the session code and reads the client profile
   * in the background, so Enter starts the session without waiting. */
  warmUp(): void;
};

export function menuSessions(context: SessionContext, options: GuestSessionsOptions): MenuSessions {
  let sessions: Promise<GuestSessions> | undefined;
  const loaded = () => (sessions ??= import('../session/guest-sessions.ts').then((module) => module.createGuestSessions(context, options)));
  return {
    async start(guest, started) {
      const outcome = await (await loaded()).start(guest, started);
      return outcome.problem ? { problem: outcome.problem } : {};
    },
    warmUp() {
      void loaded().then((created) => created.warmUp());
    },
  };
}
