// Sessions started from the menu: prepares and runs one (supervised, or exec mode on small PCs),
// and turns its end into the menu's outcome. After an unexpected end the person is offered a
// reconnect; each further try of that guest waits longer (1 s doubling to a minute, as broker
// retries do), with a countdown, so a room of PCs does not hammer a guest that is down.
// Reads config keys cache_dir and those of prepare-session.ts and exec-decision.ts.
import { retryDelayMs } from '../broker/backoff.ts';
import { statSync } from 'node:fs';
import { catalogCachePath, readCatalogCache } from '../broker/catalog-cache.ts';
import type { Guest } from '../broker/catalog-schema.ts';
import type { LoadedConfig } from '../config/load.ts';
import { execModeReason } from './exec-decision.ts';
import { execSession } from './exec-session.ts';
import { prepareSession, sessionRuntimeDir, warmUpClientProfile } from './prepare-session.ts';
import { runSession } from './run-session.ts';
import type { SessionFailure } from './session-end.ts';

export type GuestSessionOutcome = {
  readonly problem?: { readonly title: string; readonly text: string };
  /** Present after an unexpected end: the next start of this guest waits this long first. */
  readonly reconnectAfterMs?: number;
};

export type GuestSessions = { start(guest: Guest, started: (text: string) => void): Promise<GuestSessionOutcome> };

export function createGuestSessions(loaded: LoadedConfig, env: Readonly<Record<string, string | undefined>>, log: (line: string) => void, random: () => number = Math.random): GuestSessions {
  const failures = new Map<string, number>();
  const brokerOf = brokerLookup(loaded);
  const fail = (guest: Guest, failure: SessionFailure): GuestSessionOutcome => {
    log(`session ${guest.id}: ${failure.title}: ${failure.text}`);
    if (!failure.reconnect) {
      failures.delete(guest.id);
      return { problem: { title: failure.title, text: failure.text } };
    }
    const count = (failures.get(guest.id) ?? 0) + 1;
    failures.set(guest.id, count);
    const afterMs = retryDelayMs(count, random);
    return { problem: { title: failure.title, text: `${failure.text} Choose it again to reconnect (in ${Math.ceil(afterMs / 1000)} s).` }, reconnectAfterMs: afterMs };
  };
  return {
    async start(guest, started) {
      const earlier = failures.get(guest.id) ?? 0;
      if (earlier > 0) await countdown(guest, retryDelayMs(earlier, random), started);
      log(`session ${guest.id}: starting (${guest.protocol} ${guest.host}:${guest.port})`);
      const prepared = await prepareSession(guest, loaded, env, { broker: brokerOf(guest), log });
      if (!prepared.ok) return fail(guest, prepared.failure);
      const { plan, facts, scrambledPassword, probe } = prepared.session;
      const runtimeDir = sessionRuntimeDir(loaded);
      if (execModeReason(false, facts, loaded.config)) {
        // Nobody is left to watch a probe after execve: its verdict is needed first.
        const verdict = await probe;
        if (verdict && !verdict.ok) return fail(guest, verdict.failure);
        started(`Starting ${guest.name}...`);
        // The menu's terminal modes would outlive it: leave the alternate screen and show the cursor first.
        process.stdout.write('\x1b[?1049l\x1b[?25h\x1b[0m');
        return execSession(plan, runtimeDir, scrambledPassword);
      }
      try {
        const end = await runSession(plan, { runtimeDir, scrambledPassword, started, probe, log });
        if (end.kind === 'ended') {
          log(`session ${guest.id}: ended`);
          failures.delete(guest.id);
          return {};
        }
        return fail(guest, end.failure);
      } finally {
        scrambledPassword?.fill(0);
      }
    },
  };
}

/** The broker whose cached catalog lists this guest: it is asked to prepare the session. The
 * cache file is parsed again only when it changed (5000 guests take ~40 ms to validate). */
function brokerLookup(loaded: LoadedConfig): (guest: Guest) => string | undefined {
  let known: { readonly stamp: string; readonly broker: string | undefined; readonly ids: ReadonlySet<string> } | undefined;
  return (guest) => {
    let stamp: string;
    try {
      const stat = statSync(catalogCachePath(loaded.config.cache_dir));
      stamp = `${stat.mtimeMs}:${stat.size}`;
    } catch {
      return undefined;
    }
    if (known?.stamp !== stamp) {
      const { cached } = readCatalogCache(loaded.config.cache_dir);
      known = { stamp, broker: cached && /^https?:/.test(cached.broker) ? cached.broker : undefined, ids: new Set(cached?.catalog.guests.map((listed) => listed.id)) };
    }
    return known.ids.has(guest.id) ? known.broker : undefined;
  };
}

/** Counts on the monotonic clock: the wall clock may jump by years when NTP sets it mid-countdown. */
async function countdown(guest: Guest, delayMs: number, show: (text: string) => void): Promise<void> {
  const until = performance.now() + delayMs;
  for (let left = until - performance.now(); left > 0; left = until - performance.now()) {
    show(`Reconnecting to ${guest.name} in ${Math.ceil(left / 1000)} s...`);
    await new Promise((resolve) => setTimeout(resolve, Math.min(1000, left)));
  }
}

/** Reads the client profile ahead of the first session. */
export async function warmUp(): Promise<void> {
  await warmUpClientProfile();
}
