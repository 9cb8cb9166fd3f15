// What the menu needs from the rest of the launcher: a catalog that keeps itself current, and
// a way to run a session. The controller gets them injected, so it is driven the same way in
// the real program and in tests.
import type { Guest } from '../../common/protocol/broker-protocol.ts';
import type { CatalogStatus } from './menu-state.ts';

export type CatalogSnapshot = { readonly guests: readonly Guest[]; readonly status: CatalogStatus };

export type CatalogFeed = {
  /** The cached catalog, read synchronously so the first frame can show it. */
  cached(): CatalogSnapshot | undefined;
  /** Starts discovery and fetching in the background; onChange gets every new snapshot. */
  start(onChange: (snapshot: CatalogSnapshot) => void): void;
  /** Fetch again now (R). */
  refresh(): void;
  stop(): void;
  /** Where the broker came from, for the info screen (e.g. "DHCP option 224"). */
  describeBroker(): string | undefined;
};

export type SessionOutcome = { readonly problem?: { readonly title: string; readonly text: string } };

/** Runs the session with guest; calls started() once it is on screen; resolves when it ends. */
export type SessionStarter = (guest: Guest, started: (text: string) => void) => Promise<SessionOutcome>;
