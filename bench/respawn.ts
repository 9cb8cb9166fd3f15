// Benchmark: how long a PC shows no menu after the launcher is killed (SIGKILL: a crash or the
// OOM killer). busybox init, PID 1 of a private namespace with a respawn line like the image's
// inittab, runs the built launcher on a tmux terminal; each run kills it and times, on tmux's
// output stream, the new launcher's first full frame. Also when init started the new process, so
// init's share (busybox sleeps a second between respawn checks) and the launcher's are apart.
import { setTimeout as sleep } from 'node:timers/promises';
import { keyHelp } from '../launcher/menu/menu-screen.ts';
import { initNamespaceArgv, initNamespaceUnavailable } from '../test/support/init-namespace.ts';
import { isolatedArgs } from '../test/support/launcher-binary.ts';
import { descendantsRunning } from '../test/support/process-tree.ts';
import { writeCachedCatalog } from './menu-fixtures.ts';
import { median } from './stats.ts';
import { TmuxControl } from './tmux-control.ts';

export type RespawnResult = {
  runs: number;
  init: string;
  /** SIGKILL -> the respawned launcher's first full frame on the terminal. */
  killToMenuMs: number;
  killToMenuMaxMs: number;
  /** SIGKILL -> init has started the new launcher process. */
  killToProcessMs: number;
  samplesMs: number[];
};

export async function benchRespawn(launcher: string, work: string, runs = 10): Promise<RespawnResult | { skipped: string }> {
  const unavailable = initNamespaceUnavailable();
  if (unavailable) return { skipped: unavailable };
  const cache = `${work}/respawn-cache`;
  // The first frame shows a cached list of 50 guests; the broker (a closed port) is asked after it.
  writeCachedCatalog(cache, 50, 'http://127.0.0.1:9/');
  const args = [...isolatedArgs(cache), '--broker', 'http://127.0.0.1:9/', '--set', 'menu_timeout=0'];
  const argv = initNamespaceArgv(`${work}/respawn-init`, [launcher, ...args], {
    TERM: 'linux',
    PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: work,
    LANG: 'C.UTF-8',
  });
  const marker = keyHelp.split('  ')[0] ?? keyHelp;
  const tmux = new TmuxControl(80, 25);
  let unsharePid: number | undefined;
  try {
    await tmux.command('set-option -g default-terminal linux');
    const { pane } = await tmux.run(argv, {}, marker, 20_000);
    unsharePid = await tmux.panePid(pane);
    const toMenu: number[] = [];
    const toProcess: number[] = [];
    for (let run = 0; run < runs; run++) {
      const [killed] = descendantsRunning(unsharePid, launcher);
      if (killed === undefined) throw new Error('no launcher runs under init');
      const killedAt = performance.now();
      const underInit = unsharePid;
      const started = (async () => {
        while (!descendantsRunning(underInit, launcher).some((pid) => pid !== killed)) await sleep(2);
        return performance.now() - killedAt;
      })();
      toMenu.push(await tmux.untilOutputContains(pane, () => process.kill(killed, 'SIGKILL'), marker, 15_000));
      toProcess.push(await started);
      // Let the new launcher finish its start (broker attempt, session warm-up) before the next kill.
      await sleep(500);
    }
    return {
      runs,
      init: 'busybox init (host busybox-static, PID 1 of a PID namespace)',
      killToMenuMs: round(median(toMenu)),
      killToMenuMaxMs: round(Math.max(...toMenu)),
      killToProcessMs: round(median(toProcess)),
      samplesMs: toMenu.map(round),
    };
  } finally {
    // init ignores what tmux sends at close; the namespace ends with the unshare that holds it (--kill-child).
    if (unsharePid !== undefined) {
      try {
        process.kill(unsharePid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    tmux.close();
  }
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
