// vdd-launcher menu: the default screen. Reads: menu_title, default_guest, menu_timeout, menu_allow_quit, log_file,
// update_policy, update_idle (and the update checker's, the flashed-disk update agent's and the
// status reports' keys).
import blessed from 'blessed';
import type { CommandContext } from '../cli/command.ts';
import { formatProblem } from '../../common/launcher-config/source.ts';
import { openLauncherLog } from '../system/launcher-log.ts';
import { markMenuUp } from '../system/menu-up.ts';
import { requestPower } from '../system/power.ts';
import { createCatalogFeed } from './catalog-feed.ts';
import { clientFactsReader } from '../profile/client-facts.ts';
import type { HardwareFacts } from '../profile/hardware-facts.ts';
import { infoLines } from './info-lines.ts';
import { MenuController } from './menu-controller.ts';
import { resetTerminal } from './menu-screen.ts';
import { menuSessions } from './menu-sessions.ts';
import { initialMenuState } from './menu-state.ts';
import type { FlashedAgent } from '../update/stage/flashed-agent.ts';
import type { StatusReporter } from '../broker-client/status-reports.ts';
import type { CatalogFeed } from './ports.ts';

/** How long a stopping launcher tries to send what waits to be reported (init kills it a second after SIGTERM). */
const reportOnStopMs = 700;

export async function runMenu({ config, env, stderr }: CommandContext): Promise<number> {
  const loaded = config();
  const log = openLauncherLog(loaded.config, stderr);
  for (const problem of loaded.problems) log(`config: ${formatProblem(problem)}`);
  const screen = blessed.screen({ smartCSR: true, warnings: false, title: 'vdd-launcher', fullUnicode: false });
  // The status reports go to the broker the catalog comes from (started after the first frame).
  let reporter: StatusReporter | undefined;
  let catalogBroker: string | undefined;
  const catalogFeed = createCatalogFeed(loaded, env);
  const feed: CatalogFeed = {
    ...catalogFeed,
    start: (onChange) =>
      catalogFeed.start((snapshot) => {
        const broker = snapshot.status.online ? snapshot.status.broker : undefined;
        if (broker !== undefined && /^https?:/.test(broker)) {
          catalogBroker = broker;
          reporter?.setBroker(broker);
        }
        onChange(snapshot);
      }),
  };
  // Read once, for the info screen, the status reports and every session's parameters.
  const clientFacts = clientFactsReader();
  const sessions = menuSessions(
    { loaded, env, clientFacts, log },
    { resetTerminal: () => resetTerminal(screen), report: (session) => reporter?.sessionEnded(session) },
  );
  let hardware: HardwareFacts | string = 'being read...';
  let updateStatus = 'not checked yet';
  const controller = new MenuController(
    screen,
    initialMenuState({
      defaultGuest: loaded.config.default_guest,
      timeout: loaded.config.menu_timeout,
      allowQuit: loaded.config.menu_allow_quit,
      updatePolicy: loaded.config.update_policy,
      updateIdle: loaded.config.update_idle,
    }),
    {
      feed,
      startSession: sessions.start,
      power: (action) => requestPower(action, env),
      context: { title: loaded.config.menu_title, infoLines: () => infoLines(loaded, feed, hardware, updateStatus) },
    },
  );
  // The first frame is on the terminal now.
  markMenuUp(loaded.config.cache_dir);
  // Once the first frame is out: the session code and the hardware facts, which the info
  // screen shows and session parameters follow, so Enter starts a session without waiting;
  // and the checks for a newly published image (and, on a flashed PC, the A/B update agent,
  // which also marks the running slot good: the menu is reached).
  let updates: { stop(): void } | undefined;
  let flashed: FlashedAgent | undefined;
  let stopped = false;
  // Soon after the first frame: a person reads the list for at least this long before Enter.
  setTimeout(() => {
    controller.warmUp();
    sessions.warmUp();
    // An exec-mode session before this launcher left its lease: it is over, so the desktop is free.
    void import('../session/session-lease.ts').then(({ endLeaseLeftByExec }) => endLeaseLeftByExec(loaded, log));
    void clientFacts().then((read) => {
      hardware = read.facts ?? `unknown (${read.problem})`;
      controller.redraw();
    });
  }, 100);
  setTimeout(() => {
    void Promise.all([
      import('../update/check/update-watch.ts'),
      import('../update/stage/flashed-agent.ts'),
      import('./status-reporting.ts'),
      import('../session/exec-session-report.ts'),
      import('../session/prepare-session.ts'),
    ]).then(([{ startUpdateWatch }, { startFlashedAgent }, { startStatusReporting, hardwareStatus }, { takeExecSessionReport }, { sessionRuntimeDir }]) => {
      if (stopped) return;
      reporter = startStatusReporting(loaded, log);
      reporter?.setBroker(catalogBroker);
      // The exec-mode session the last launcher handed this PC to is over: init started this one.
      const execSession = takeExecSessionReport(sessionRuntimeDir(loaded), log);
      if (execSession) reporter?.sessionEnded(execSession);
      void clientFacts().then((read) => read.facts && reporter?.setFacts(hardwareStatus(read.facts)));
      // A flashed PC installs a new version into its other slot before the restart is offered.
      flashed = startFlashedAgent(
        loaded,
        log,
        (version) => controller.offerUpdate(version),
        (update) => reporter?.setFacts({ update }),
      );
      const offered = (version: string | undefined) => {
        // A netbooted PC starts the published version at its next boot.
        if (flashed === undefined) reporter?.setFacts({ update: version === undefined ? { state: 'current' } : { state: 'available', version } });
        (flashed?.offered ?? ((available) => controller.offerUpdate(available)))(version);
      };
      updates = startUpdateWatch(loaded, log, offered, (text) => (updateStatus = text));
    });
  }, 500);
  // The launcher only leaves when it is told to stop (init starts it again); never to a shell.
  for (const signal of ['SIGINT', 'SIGQUIT', 'SIGTSTP'] as const) process.on(signal, () => {});
  const reason = await Promise.race([
    controller.left.then(() => 'quit' as const),
    new Promise<NodeJS.Signals>((resolve) => {
      for (const stop of ['SIGTERM', 'SIGHUP'] as const) process.once(stop, () => resolve(stop));
    }),
  ]);
  stopped = true;
  // A session that just ended is reported before the shutdown kills what is left.
  await reporter?.finish(reportOnStopMs);
  updates?.stop();
  flashed?.stop();
  controller.stop();
  screen.destroy();
  return reason === 'SIGHUP' ? 129 : 0;
}
