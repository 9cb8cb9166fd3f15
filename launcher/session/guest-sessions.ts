// Sessions started from the menu: each through the session starter, before the broker answers
// where that is safe (early-start.ts), with a pause before another try of a guest that failed
// (reconnect-backoff.ts), and with the spare process that the next viewer becomes, which these
// sessions own and keep ready while the menu is idle. Each session's figures (Enter -> first
// remote frame, the probe's round trip, how it ended) go to report, for the broker's admins.
// Reads config keys cache_dir and those of session-starter.ts.
import type { Guest, ReportSession } from '../../common/protocol/broker-protocol.ts';
import { catalogBrokers } from './catalog-brokers.ts';
import { startBeforeBrokerAnswers, startsBeforeBrokerAnswers } from './early-start.ts';
import { execModeReason } from './exec-decision.ts';
import { leaveExecSessionReport } from './exec-session-report.ts';
import { askBroker, hardwareFacts, prepareSession, sessionRuntimeDir, type SessionContext } from './prepare-session.ts';
import { ReconnectBackoff, type GuestSessionOutcome } from './reconnect-backoff.ts';
import { runSession } from './run-session.ts';
import type { SessionFailure } from './session-end.ts';
import { sessionFigures, type SessionMeasures } from './session-figures.ts';
import { startSession } from './session-starter.ts';
import { SpareProcess } from './spare-process.ts';

export type GuestSessions = {
  start(guest: Guest, started: (text: string) => void): Promise<GuestSessionOutcome>;
  /** Does ahead of the first session what it would otherwise wait for: the client profile, the catalog's broker. */
  warmUp(): Promise<void>;
};

export type GuestSessionsOptions = {
  /** Undoes the menu's terminal modes before exec mode replaces the launcher. */
  readonly resetTerminal: () => void;
  /** Gets each session's figures once it ended. */
  readonly report?: (session: ReportSession) => void;
  readonly random?: () => number;
};

/** How long after a session the next spare process starts: the menu redraws first. */
const spareAfterSessionMs = 1000;

export function createGuestSessions(context: SessionContext, options: GuestSessionsOptions): GuestSessions {
  const { loaded, log } = context;
  const backoff = new ReconnectBackoff(options.random);
  const brokers = catalogBrokers(loaded);
  const spare = new SpareProcess();
  const supervised = async () => execModeReason(await hardwareFacts(context), loaded.config) === undefined;
  return {
    async warmUp() {
      brokers.refresh();
      // Exec mode (small PCs) replaces the launcher with the session: no spare process to keep.
      const keepsSpare = await supervised();
      // Plans a session of each kind once (pure: nothing starts) and runs the VNC one with only its
      // viewer, asked for its usage (printed to stderr at once; nothing connects), so the first Enter
      // runs code V8 has already compiled, down to the spare process and reading the viewer's
      // stderr, and finds the viewer's program and libraries in the page cache (on a netbooted PC
      // they come from the squashfs).
      for (const protocol of ['vnc', 'xdmcp'] as const) {
        const prepared = await prepareSession(
          { id: 'warm-up', name: 'warm-up', os: '', protocol, host: '127.0.0.1', port: protocol === 'vnc' ? 5900 : 177, state: 'running' },
          { ...context, log: () => {} },
          { dryRun: true },
        );
        const viewer = prepared.ok ? prepared.session.plan.processes.find((planned) => planned.role === 'viewer') : undefined;
        if (prepared.ok && viewer) {
          if (keepsSpare) spare.start();
          await runSession(
            { ...prepared.session.plan, files: [], processes: [{ role: 'viewer', command: viewer.command, args: ['-help'], env: viewer.env }] },
            { runtimeDir: sessionRuntimeDir(loaded), spare },
          );
        }
      }
      if (keepsSpare) spare.start();
    },
    async start(guest, shownOnScreen) {
      await backoff.wait(guest, shownOnScreen);
      log(`session ${guest.id}: starting (${guest.protocol} ${guest.host === undefined ? 'address from the broker at start' : `${guest.host}:${guest.port}`})`);
      const enter = performance.now();
      const measured: SessionMeasures = {};
      const started = (text: string) => {
        measured.firstFrameMs ??= performance.now() - enter;
        shownOnScreen(text);
      };
      const broker = brokers.of(guest);
      const request = {
        spare,
        resetTerminal: options.resetTerminal,
        probed: (rttMs: number) => (measured.rttMs = rttMs),
        // No launcher is left to report an exec-mode session: the next one does.
        ...(options.report
          ? { beforeExec: () => leaveExecSessionReport(sessionRuntimeDir(loaded), sessionFigures(guest, new Date(), 0, measured, undefined)) }
          : {}),
      };
      let failure: SessionFailure | undefined;
      if (broker && brokers.fresh() && startsBeforeBrokerAnswers(guest) && (await supervised())) {
        failure = await startBeforeBrokerAnswers({
          guest,
          broker,
          started,
          ask: () => askBroker(broker, guest, loaded, log),
          start: (attempt) => startSession(guest, context, { ...request, ...attempt }),
          log,
        });
      } else {
        failure = await startSession(guest, context, { ...request, broker, started, progress: shownOnScreen });
      }
      options.report?.(sessionFigures(guest, new Date(), performance.now() - enter, measured, failure));
      // The next session's spare, once the menu is back on screen (starting one costs a fork).
      if (await supervised()) setTimeout(() => spare.start(), spareAfterSessionMs).unref();
      if (failure) log(`session ${guest.id}: ${failure.title}: ${failure.text}`);
      else log(`session ${guest.id}: ended`);
      return backoff.outcome(guest, failure);
    },
  };
}
