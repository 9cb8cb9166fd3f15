// Tells the catalog's broker, for its admins, what this PC runs and how its sessions felt: the
// image version, the update state, the fitness verdict, a few hardware facts, and each session's
// figures (Enter -> first remote frame, round trip, how it ended). Cheap and bounded: one small
// report when something changed, at most one every minIntervalMs, a heartbeat every heartbeatMs
// so "last seen" means something, at most maxReportSessions sessions waiting (the oldest go when
// the broker is away for long), each session sent once. A failed send is tried again later with
// backoff; it never reaches the person at the PC, only the log (once per new reason). When the
// launcher stops (shutdown, restart), what waits is sent first, for at most a moment.
import { setTimeout as sleep } from 'node:timers/promises';
import { bodyLimits, minReportIntervalMs, type ClientReport, type FitnessVerdict, type ReportSession } from '../../common/protocol/broker-protocol.ts';
import { retryDelayMs } from './backoff.ts';
import type { RequestOptions } from './catalog-fetch.ts';
import { sendReport } from './client-report.ts';

export type StatusFacts = {
  readonly image?: ClientReport['image'];
  readonly update?: ClientReport['update'];
  readonly fitness?: FitnessVerdict;
  readonly hardware?: ClientReport['hardware'];
};

export type StatusReporterOptions = {
  readonly client: ClientReport['client'];
  readonly launcherVersion: string;
  readonly request: RequestOptions;
  readonly log: (line: string) => void;
  readonly minIntervalMs?: number;
  readonly heartbeatMs?: number;
  readonly send?: typeof sendReport;
  readonly random?: () => number;
};

export type StatusReporter = {
  /** The broker to report to (the catalog's); undefined: none known now. */
  setBroker(broker: string | undefined): void;
  /** Merges facts; a change is reported (soon, not at once). */
  setFacts(facts: StatusFacts): void;
  sessionEnded(session: ReportSession): void;
  /** Sends what waits now (tests). */
  flush(): Promise<void>;
  /** Stops; first sends what waits (sessions, changed facts), giving up after limitMs: the PC may be shutting down. */
  finish(limitMs: number): Promise<void>;
  stop(): void;
};

export const statusReportDefaults = { minIntervalMs: 10_000, heartbeatMs: 15 * 60_000 } as const;

export function startStatusReporter(options: StatusReporterOptions): StatusReporter {
  const minIntervalMs = options.minIntervalMs ?? statusReportDefaults.minIntervalMs;
  const heartbeatMs = options.heartbeatMs ?? statusReportDefaults.heartbeatMs;
  const send = options.send ?? sendReport;
  let broker: string | undefined;
  let facts: StatusFacts = {};
  let waiting: ReportSession[] = [];
  let dropped = 0;
  let changed = true;
  let lastSent = Number.NEGATIVE_INFINITY;
  let failures = 0;
  let lastProblem: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let sending: Promise<void> | undefined;
  let stopped = false;

  const body = (sessions: readonly ReportSession[]): ClientReport => ({
    client: options.client,
    launcherVersion: options.launcherVersion,
    sentAt: new Date().toISOString(),
    ...facts,
    ...(sessions.length > 0 ? { sessions: [...sessions] } : {}),
  });

  const sendNow = async (): Promise<void> => {
    if (broker === undefined || stopped) return;
    const sessions = waiting.slice(0, bodyLimits.maxReportSessions);
    const target = broker;
    try {
      await send(target, body(sessions), options.request);
      waiting = waiting.filter((session) => !sessions.includes(session));
      changed = false;
      failures = 0;
      lastProblem = undefined;
      if (dropped > 0)
        options.log(`report: ${dropped} sessions were not reported (the broker was away while more than ${bodyLimits.maxReportSessions} waited)`);
      dropped = 0;
    } catch (error) {
      failures++;
      const problem = (error as Error).message;
      if (problem !== lastProblem) options.log(`report: not sent, trying again later: ${problem}`);
      lastProblem = problem;
    } finally {
      lastSent = performance.now();
    }
  };

  const schedule = (): void => {
    clearTimeout(timer);
    if (stopped || broker === undefined) return;
    const pending = changed || waiting.length > 0;
    const wait =
      failures > 0
        ? Math.min(heartbeatMs, Math.max(minIntervalMs, retryDelayMs(failures, options.random)))
        : pending
          ? Math.max(0, lastSent + minIntervalMs - performance.now())
          : heartbeatMs;
    timer = setTimeout(() => void run(), wait);
    timer.unref();
  };

  const run = async (): Promise<void> => {
    if (sending === undefined) {
      sending = sendNow().finally(() => {
        sending = undefined;
      });
    }
    await sending;
    schedule();
  };

  return {
    setBroker(next) {
      if (next === broker) return;
      broker = next;
      changed = true;
      schedule();
    },
    setFacts(next) {
      const merged = { ...facts, ...next };
      if (JSON.stringify(merged) === JSON.stringify(facts)) return;
      facts = merged;
      changed = true;
      schedule();
    },
    sessionEnded(session) {
      waiting.push(session);
      if (waiting.length > bodyLimits.maxReportSessions) {
        dropped += waiting.length - bodyLimits.maxReportSessions;
        waiting = waiting.slice(-bodyLimits.maxReportSessions);
      }
      schedule();
    },
    flush: run,
    async finish(limitMs) {
      clearTimeout(timer);
      const pending = () => !stopped && broker !== undefined && (changed || waiting.length > 0);
      // The broker takes one report a second from a PC: one sent just now means waiting for it.
      // A timer may fire early (libuv counts from the loop's cached time), and a report one
      // millisecond too soon is refused, so the wait is measured again after each sleep.
      const untilAllowed = () => Math.max(0, lastSent + minReportIntervalMs - performance.now());
      if (pending() && untilAllowed() < limitMs) {
        const attempt = (async () => {
          await sending;
          for (let left = untilAllowed(); left > 0; left = untilAllowed()) await sleep(left, undefined, { ref: false });
          if (pending()) await sendNow();
        })();
        await Promise.race([attempt, sleep(limitMs)]);
      }
      this.stop();
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
