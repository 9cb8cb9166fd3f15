// Sessions started from the menu: prepares and runs one (supervised, or exec mode on small PCs),
// and turns its end into the menu's outcome. After an unexpected end the person is offered a
// reconnect; each further try of that guest waits longer (1 s doubling to a minute, as broker
// retries do), with a countdown, so a room of PCs does not hammer a guest that is down. A VNC
// guest that a catalog within its ttl lists as running without a password is connected to before
// the broker is asked (200 ms into the viewer's start), and again as the broker says if that
// differs before anything is on screen. Each session's figures (Enter -> first remote frame, the
// probe's round trip, how it ended) go to report, for the broker's admins.
// Reads config keys cache_dir and those of prepare-session.ts and exec-decision.ts.
import { retryDelayMs } from '../broker-client/backoff.ts';
import { statSync } from 'node:fs';
import { catalogCachePath, readCatalogCache } from '../broker-client/catalog-cache.ts';
import { maxFirstFrameMs, type Guest, type ReportSession } from '../../common/protocol/broker-protocol.ts';
import type { LoadedConfig } from '../config/load.ts';
import { execModeReason } from './exec-decision.ts';
import { execSession } from './exec-session.ts';
import { askBroker, type BrokerReply, prepareSession, sessionRuntimeDir, warmUpClientProfile } from './prepare-session.ts';
import { runSession } from './run-session.ts';
import { runUnderLease } from './session-lease.ts';
import type { SessionFailure } from './session-end.ts';
import { startSpare, stopSpare } from './spare-process.ts';

export type GuestSessionOutcome = {
  readonly problem?: { readonly title: string; readonly text: string };
  /** Present after an unexpected end: the next start of this guest waits this long first. */
  readonly reconnectAfterMs?: number;
};

export type GuestSessions = {
  start(guest: Guest, started: (text: string) => void): Promise<GuestSessionOutcome>;
  /** Does ahead of the first session what it would otherwise wait for: the client profile, the catalog's broker. */
  warmUp(): Promise<void>;
};

export function createGuestSessions(
  loaded: LoadedConfig,
  env: Readonly<Record<string, string | undefined>>,
  log: (line: string) => void,
  random: () => number = Math.random,
  report: (session: ReportSession) => void = () => {},
): GuestSessions {
  const failures = new Map<string, number>();
  const brokers = brokerLookup(loaded);
  const fail = (guest: Guest, failure: SessionFailure): GuestSessionOutcome => {
    log(`session ${guest.id}: ${failure.title}: ${failure.text}`);
    if (!failure.reconnect) {
      failures.delete(guest.id);
      return { problem: { title: failure.title, text: failure.text } };
    }
    const count = (failures.get(guest.id) ?? 0) + 1;
    failures.set(guest.id, count);
    const afterMs = retryDelayMs(count, random);
    return {
      problem: { title: failure.title, text: `${failure.text} Choose it again to reconnect (in ${Math.ceil(afterMs / 1000)} s).` },
      reconnectAfterMs: afterMs,
    };
  };
  /** Prepares and runs one session; its failure, or undefined once it ended normally. */
  const attempt = async (
    guest: Guest,
    options: { broker?: string | undefined; brokerAnswer?: Promise<BrokerReply>; signal?: AbortSignal },
    started: (text: string) => void,
    measured: { rttMs?: number },
  ): Promise<SessionFailure | undefined> => {
    const prepared = await prepareSession(guest, loaded, env, { broker: options.broker, brokerAnswer: options.brokerAnswer, log });
    if (!prepared.ok) return prepared.failure;
    const { plan, facts, scrambledPassword, lease } = prepared.session;
    const probeGuest = prepared.session.probe;
    // The probe's round trip is the session's, when it ran (a quick VNC session skips it).
    const probe =
      probeGuest &&
      (async () => {
        const verdict = await probeGuest();
        if (verdict.ok) measured.rttMs = verdict.rttMs;
        return verdict;
      });
    const runtimeDir = sessionRuntimeDir(loaded);
    if (execModeReason(false, facts, loaded.config)) {
      // Nobody is left to watch a probe after execve: its verdict is needed first.
      const verdict = await probe?.();
      if (verdict && !verdict.ok) return verdict.failure;
      started(`Starting ${guest.name}...`);
      await stopSpare();
      // The menu's terminal modes would outlive it: leave the alternate screen and show the cursor first.
      process.stdout.write('\x1b[?1049l\x1b[?25h\x1b[0m');
      return execSession(plan, runtimeDir, scrambledPassword);
    }
    try {
      const end = await runUnderLease(lease, plan.guest, loaded, { signal: options.signal, log }, (signal) =>
        runSession(plan, { runtimeDir, scrambledPassword, started, probe, log, signal }),
      );
      return end.kind === 'ended' ? undefined : end.failure;
    } finally {
      scrambledPassword?.fill(0);
    }
  };
  /** Exec mode (small PCs) replaces the launcher with the session: no spare process to keep. */
  const keepsSpares = async () => !execModeReason(false, await warmUpClientProfile(), loaded.config);
  return {
    async warmUp() {
      brokers.refresh();
      const spares = await keepsSpares();
      // Plans a session of each kind once (pure: nothing starts) and runs the VNC one with only its
      // viewer, asked for its usage (printed to stderr at once; nothing connects), so the first Enter
      // runs code V8 has already compiled, down to the spare process and reading the viewer's
      // stderr, and finds the viewer's program and libraries in the page cache (on a netbooted PC
      // they come from the squashfs). A cold first session spent ~4 ms more CPU than later ones.
      for (const protocol of ['vnc', 'xdmcp'] as const) {
        const prepared = await prepareSession(
          { id: 'warm-up', name: 'warm-up', os: '', protocol, host: '127.0.0.1', port: protocol === 'vnc' ? 5900 : 177, state: 'running' },
          loaded,
          env,
          { dryRun: true },
        );
        const viewer = prepared.ok ? prepared.session.plan.processes.find((planned) => planned.role === 'viewer') : undefined;
        if (prepared.ok && viewer) {
          if (spares) startSpare();
          await runSession(
            { ...prepared.session.plan, files: [], processes: [{ role: 'viewer', command: viewer.command, args: ['-help'], env: viewer.env }] },
            { runtimeDir: sessionRuntimeDir(loaded) },
          );
        }
      }
      if (spares) startSpare();
    },
    async start(guest, shownOnScreen) {
      const earlier = failures.get(guest.id) ?? 0;
      if (earlier > 0) await countdown(guest, retryDelayMs(earlier, random), shownOnScreen);
      log(`session ${guest.id}: starting (${guest.protocol} ${guest.host}:${guest.port})`);
      const enter = performance.now();
      const startedAt = new Date();
      const measured: { rttMs?: number; firstFrameMs?: number } = {};
      const started = (text: string) => {
        measured.firstFrameMs ??= performance.now() - enter;
        shownOnScreen(text);
      };
      const broker = brokers.of(guest);
      let failure: SessionFailure | undefined;
      if (broker && brokers.fresh() && startsBeforeBrokerAnswers(guest) && !execModeReason(false, await warmUpClientProfile(), loaded.config)) {
        // The viewer starts at the catalog's address and the broker is asked meanwhile: its answer
        // only matters if it moves the guest, gives it a password or is still starting it. Asked
        // brokerAskAfterMs after the viewer starts (or when it ends first), as the first HTTP
        // request of a launcher costs CPU the viewer's start needs on a slow PC.
        let ask = (): void => {};
        const askNow = new Promise<void>((resolve) => (ask = resolve));
        const asking = setTimeout(ask, brokerAskAfterMs);
        const brokerAnswer = askNow.then(() => askBroker(broker, guest, loaded, log));
        const superseded = new AbortController();
        let shown = false;
        void brokerAnswer.then((answer) => {
          if (!shown && !sameTarget(answer, guest)) superseded.abort();
        });
        failure = await attempt(
          guest,
          { signal: superseded.signal },
          (text) => {
            shown = true;
            started(text);
          },
          measured,
        );
        clearTimeout(asking);
        ask();
        // Not on screen yet and the broker says otherwise (or the catalog was stale): go by the broker.
        if (!shown && (superseded.signal.aborted || (failure?.reconnect && !sameTarget(await brokerAnswer, guest)))) {
          log(`session ${guest.id}: the broker's answer differs from the catalog; connecting as the broker says`);
          failure = await attempt(guest, { broker, brokerAnswer }, started, measured);
        }
      } else {
        failure = await attempt(guest, { broker }, started, measured);
      }
      report(sessionFigures(guest, startedAt, performance.now() - enter, measured, failure));
      // The next session's spare, once the menu is back on screen (starting one costs a fork).
      if (await keepsSpares()) setTimeout(startSpare, spareAfterSessionMs).unref();
      if (failure) return fail(guest, failure);
      log(`session ${guest.id}: ended`);
      failures.delete(guest.id);
      return {};
    },
  };
}

/** What the broker's admins learn of one session: dropped once it was on screen, failed before. */
function sessionFigures(
  guest: Guest,
  startedAt: Date,
  elapsedMs: number,
  measured: { readonly rttMs?: number; readonly firstFrameMs?: number },
  failure: SessionFailure | undefined,
): ReportSession {
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return {
    guestId: guest.id,
    protocol: guest.protocol,
    startedAt: startedAt.toISOString(),
    seconds: Math.min(31 * 86_400, Math.round(elapsedMs / 100) / 10),
    outcome: failure === undefined ? 'ended' : measured.firstFrameMs === undefined ? 'failed' : 'dropped',
    ...(failure === undefined ? {} : { reason: `${failure.code}: ${failure.title}`.slice(0, 256) }),
    ...(measured.rttMs === undefined ? {} : { rttMs: round(Math.min(60_000, measured.rttMs)) }),
    ...(measured.firstFrameMs === undefined ? {} : { firstFrameMs: round(Math.min(maxFirstFrameMs, measured.firstFrameMs)) }),
  };
}

/** How long after a session the next spare process starts: the menu redraws first. */
const spareAfterSessionMs = 1000;

/** How long a viewer started from the catalog runs before the broker is asked about its guest. */
const brokerAskAfterMs = 200;

/** A running guest that needs no password from the broker can be connected to before the broker
 * answers, unless the broker hands it out by lease: then it may be someone else's until it says. */
function startsBeforeBrokerAnswers(guest: Guest): boolean {
  return guest.protocol === 'vnc' && guest.state === 'running' && guest.auth !== 'vnc-password' && guest.use === undefined;
}

/** The broker's answer points where the catalog does, needs no password and the guest is up. No
 * session service (a static broker) or an offline one leaves the catalog's word standing. */
function sameTarget(reply: BrokerReply, guest: Guest): boolean {
  if (reply.kind === 'none' || reply.kind === 'offline') return true;
  if (reply.kind === 'refused') return false;
  const { answer } = reply;
  return answer.host === guest.host && answer.port === guest.port && answer.password === undefined && answer.state === 'running';
}

/** The broker whose cached catalog lists a guest: it is asked to prepare the session. The cache
 * file is parsed again only when it changed (5000 guests take ~40 ms to validate); refresh() does
 * that ahead of the first session. */
function brokerLookup(loaded: LoadedConfig): { refresh(): void; of(guest: Guest): string | undefined; fresh(): boolean } {
  let known: { readonly stamp: string; readonly broker: string | undefined; readonly ids: ReadonlySet<string>; readonly freshUntil: number } | undefined;
  const refresh = () => {
    let stamp: string;
    try {
      const stat = statSync(catalogCachePath(loaded.config.cache_dir));
      stamp = `${stat.mtimeMs}:${stat.size}`;
    } catch {
      known = undefined;
      return;
    }
    if (known?.stamp !== stamp) {
      const { cached } = readCatalogCache(loaded.config.cache_dir);
      known = {
        stamp,
        broker: cached && /^https?:/.test(cached.broker) ? cached.broker : undefined,
        ids: new Set(cached?.catalog.guests.map((listed) => listed.id)),
        freshUntil: cached ? cached.savedAt + cached.catalog.ttl * 1000 : 0,
      };
    }
  };
  return {
    refresh,
    of(guest) {
      refresh();
      return known?.ids.has(guest.id) ? known.broker : undefined;
    },
    /** The catalog is within its ttl: the broker vouches for its addresses until then. */
    fresh() {
      return known !== undefined && Date.now() < known.freshUntil;
    },
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
