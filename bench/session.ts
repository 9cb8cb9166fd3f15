// Session benchmarks against a real Xvnc shown in an Xvfb display:
// - Enter in the menu -> first remote frame on screen, against running the same vncviewer by
//   hand, i.e. typed at a shell prompt in the same terminal and timed from that Enter (alternating
//   runs, medians and their ratio; the viewer spawned straight from the benchmark is reported
//   too, as the floor): "cold" is the first Enter after the menu
//   started (session code and client profile loaded then), "warm" the next one, as after
//   the menu sessions' warm-up or any earlier session;
// - the launcher's RSS while it supervises a session, and what exec mode leaves of it (the PID
//   that was the launcher is then vncviewer: its RSS minus a hand-started vncviewer's).
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, readlinkSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeDirectory } from '../common/io/make-directory.ts';
import { writeCatalogCache } from '../launcher/broker-client/catalog-cache.ts';
import { commandArguments, type SessionPlan } from '../launcher/session/session-plan.ts';
import type { Guest } from '../common/protocol/broker-protocol.ts';
import { Children, waitFor } from '../test/support/children.ts';
import { startXvfb } from '../test/support/peers/x-display.ts';
import { startXvnc } from '../test/support/peers/xvnc.ts';
import { xwdLayout, xwdPixel, type XwdLayout } from '../test/support/peers/xwd-png.ts';
import { benchLauncherArgs } from './launcher-args.ts';
import { processMemory } from './menu-memory.ts';
import { median } from './stats.ts';
import { TmuxControl, tmuxQuote } from './tmux-control.ts';

const pollMs = 1;
/** Before every Enter (and the direct spawn) the machine rests as long, as a person looks at the
 * screen before pressing it: a CPU that was idle for a while starts slower, and every figure
 * should pay that alike. Plus up to a second at random: a person's Enter is not in step with the
 * menu's one-second clock (its redraws, e.g. the offline retry countdown); a fixed pause would land
 * every first Enter on one of them. */
function restBeforeEnter(): Promise<void> {
  return sleep(1000 + Math.random() * 1000);
}

type Setup = { children: Children; screen: Framebuffer; guest: Guest; cache: string; env: Record<string, string>; viewerArgs: string[] };

async function setUp(launcher: string, work: string, label: string): Promise<Setup> {
  const children = new Children();
  const fbdir = join(work, `fb-${label}`);
  makeDirectory(fbdir);
  const outer = await startXvfb(children, '640x480', fbdir);
  const server = await startXvnc(children, work, { size: '640x480' });
  children.start('xlogo', 'xlogo', ['-display', server.name, '-geometry', '640x480+0+0', '-fg', 'red', '-bg', 'white']);
  const guest: Guest = {
    id: 'bench-vnc',
    name: 'Bench desktop',
    os: 'Test',
    protocol: 'vnc',
    host: '127.0.0.1',
    port: server.port,
    state: 'running',
    auth: 'none',
  };
  const cache = join(work, `session-${label}`);
  writeCatalogCache(cache, {
    catalog: { version: 1, broker: { id: 'bench', name: 'Bench broker' }, ttl: 3600, guests: [guest] },
    broker: 'http://127.0.0.1:9/',
    savedAt: Date.now(),
  });
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', TERM: 'linux', DISPLAY: outer.name, VDD_CACHE_DIR: cache, HOME: work };
  return { children, screen: new Framebuffer(fbdir), guest, cache, env, viewerArgs: plannedViewerArgs(launcher, guest, env) };
}

/** The viewer's arguments as the launcher plans them for this guest (connect --dry-run --json),
 * so the viewer started by hand is the very one the launcher starts. */
function plannedViewerArgs(launcher: string, guest: Guest, env: Record<string, string>): string[] {
  const planned = spawnSync(launcher, ['connect', `vnc://${guest.host}:${guest.port}`, '--dry-run', '--json', ...benchLauncherArgs], { env, encoding: 'utf8' });
  const viewer = planned.status === 0 ? (JSON.parse(planned.stdout) as SessionPlan).processes.find((process) => process.role === 'viewer') : undefined;
  if (viewer === undefined) throw new Error(`no viewer in the launcher's plan: ${planned.stderr}`);
  return commandArguments(viewer);
}

const menuArgs = [
  ...benchLauncherArgs,
  '--broker',
  'http://127.0.0.1:9/',
  '--set',
  'menu_timeout=0',
  '--set',
  'discovery_sources=',
  '--set',
  'session_exec_below_ram=0',
];

/** The outer display's screen, read straight from the file Xvfb keeps it in (-fbdir): a look reads
 * a few rows (~40 KB) instead of starting xwd, so the screen is polled every ms while taking
 * next to none of the CPU the viewer (or the launcher) needs to start. */
export class Framebuffer {
  private readonly fd: number;
  private readonly layout: XwdLayout;
  private readonly row: Buffer;

  constructor(fbdir: string) {
    this.fd = openSync(join(fbdir, 'Xvfb_screen0'), 'r');
    const header = Buffer.alloc(100);
    readSync(this.fd, header, 0, header.length, 0);
    this.layout = xwdLayout(header);
    this.row = Buffer.alloc(this.layout.bytesPerLine);
  }

  /** Share of sampled pixels (every 8th of every 32nd row) that are not black. */
  drawnShare(): number {
    const { width, height, start, bytesPerLine, bytesPerPixel } = this.layout;
    let drawn = 0;
    let sampled = 0;
    for (let y = 0; y < height; y += 32) {
      readSync(this.fd, this.row, 0, bytesPerLine, start + y * bytesPerLine);
      for (let x = 0; x < width; x += 8) {
        sampled++;
        if (xwdPixel(this.row, x * bytesPerPixel, this.layout) !== 0) drawn++;
      }
    }
    return drawn / sampled;
  }

  /** Pixels that pass test in the rectangle [x0, x1) x [y0, y1), every yStep-th row. */
  count(area: { x0: number; x1: number; y0: number; y1: number; yStep: number }, test: (pixel: number) => boolean): number {
    const { start, bytesPerLine, bytesPerPixel } = this.layout;
    let passed = 0;
    for (let y = area.y0; y < area.y1; y += area.yStep) {
      readSync(this.fd, this.row, 0, bytesPerLine, start + y * bytesPerLine);
      for (let x = area.x0; x < area.x1; x++) if (test(xwdPixel(this.row, x * bytesPerPixel, this.layout))) passed++;
    }
    return passed;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** ms from t0 until the outer display shows the remote desktop. */
async function untilDrawn(screen: Framebuffer, t0: number): Promise<number> {
  for (;;) {
    if (screen.drawnShare() > 0.1) return performance.now() - t0;
    if (performance.now() - t0 > 20_000) throw new Error('no remote frame within 20 s');
    await sleep(pollMs);
  }
}

async function untilBlank(screen: Framebuffer): Promise<void> {
  await waitFor('the outer display to be blank again', () => screen.drawnShare() < 0.01, { timeoutMs: 10_000 });
}

type FirstFrame = { launcherMs: number; byHandMs: number; ratio: number };

export async function benchVncFirstFrame(
  launcher: string,
  work: string,
  runs = 25,
): Promise<{
  cold: FirstFrame;
  warm: FirstFrame;
  menuBackAfterSessionMs: { median: number; max: number; target: number };
  runs: number;
  viewerSpawnedDirectlyMs: number;
  runsMs: { cold: number[]; warm: number[]; byHand: number[]; spawnedDirectly: number[] };
}> {
  const setup = await setUp(launcher, work, 'first-frame');
  const tmux = new TmuxControl(80, 25);
  const cold: number[] = [];
  const warm: number[] = [];
  const byHand: number[] = [];
  const spawned: number[] = [];
  const menuBack: number[] = [];
  try {
    for (let run = 0; run < runs; run++) {
      const { pane } = await tmux.run([launcher, ...menuArgs], setup.env, setup.guest.name);
      const menuPid = await tmux.panePid(pane);
      await restBeforeEnter();
      for (const figures of [cold, warm]) {
        const t0 = performance.now();
        void tmux.command(`send-keys -t ${pane} Enter`);
        figures.push(await untilDrawn(setup.screen, t0));
        // Leave the session as a person would (the viewer closes): time until the menu redraws.
        await closeViewer(await viewerOf(menuPid));
        menuBack.push(await tmux.untilScreen(pane, (screen) => !screen.includes('Connected to'), 'the list without the session notice'));
        await untilBlank(setup.screen);
        await tmux.waitForScreen(pane, setup.guest.name);
        await restBeforeEnter();
      }
      await tmux.killWindows();

      // By hand: typed at a shell prompt in the same kind of terminal, timed from its Enter.
      const shell = await tmux.run(['bash', '--norc', '--noprofile'], { ...setup.env, PS1: 'by-hand$ ' }, 'by-hand$ ');
      await tmux.command(`send-keys -t ${shell.pane} -l ${tmuxQuote(['vncviewer', ...setup.viewerArgs].join(' '))}`);
      await restBeforeEnter();
      const t1 = performance.now();
      void tmux.command(`send-keys -t ${shell.pane} Enter`);
      byHand.push(await untilDrawn(setup.screen, t1));
      await closeViewer(await viewerOf(await tmux.panePid(shell.pane)));
      await untilBlank(setup.screen);
      await tmux.killWindows();

      // Spawned straight from this process, with no terminal or shell in the way: the floor.
      await restBeforeEnter();
      const t2 = performance.now();
      const viewer = spawn('vncviewer', setup.viewerArgs, { env: setup.env, stdio: 'ignore' });
      spawned.push(await untilDrawn(setup.screen, t2));
      const exited = new Promise((resolve) => viewer.once('exit', resolve));
      await closeViewer(viewer.pid as number);
      await exited;
      await untilBlank(setup.screen);
    }
  } finally {
    tmux.close();
    setup.screen.close();
    await setup.children.stopAll();
  }
  // Tenths of a ms, and the ratio from the medians before rounding: on ~25 ms a whole-ms step is 4%.
  const tenths = (ms: number) => Math.round(ms * 10) / 10;
  const byHandMedian = median(byHand);
  const figures = (values: number[]): FirstFrame => {
    const launcherMedian = median(values);
    return { launcherMs: tenths(launcherMedian), byHandMs: tenths(byHandMedian), ratio: Math.round((launcherMedian / byHandMedian) * 100) / 100 };
  };
  return {
    cold: figures(cold),
    warm: figures(warm),
    menuBackAfterSessionMs: { median: Math.round(median(menuBack)), max: Math.round(Math.max(...menuBack)), target: 1000 },
    runs,
    viewerSpawnedDirectlyMs: tenths(median(spawned)),
    runsMs: { cold: cold.map(tenths), warm: warm.map(tenths), byHand: byHand.map(tenths), spawnedDirectly: spawned.map(tenths) },
  };
}

/**
 * Closes a viewer as its window's close button would (SIGTERM makes it exit 0). vncviewer can hang
 * in a futex on a SIGTERM that comes within ms of its first frame: it gets a moment first, and
 * SIGKILL if it still has not gone after a second.
 */
export async function closeViewer(pid: number): Promise<void> {
  await sleep(100);
  process.kill(pid, 'SIGTERM');
  const gone = () => {
    try {
      return readFileSync(`/proc/${pid}/stat`, 'latin1').split(' ')[2] === 'Z';
    } catch {
      return true;
    }
  };
  for (let waited = 0; !gone(); waited += 20) {
    if (waited >= 1000) process.kill(pid, 'SIGKILL');
    await sleep(20);
  }
}

/** The vncviewer the launcher started (SIGTERM makes it exit 0, as when closed). */
export function viewerOf(launcherPid: number): Promise<number> {
  return waitFor('the viewer child of the launcher', () => childPids(launcherPid).find((pid) => /vncviewer$/.test(readlinkSync(`/proc/${pid}/exe`))), {
    timeoutMs: 5000,
  });
}

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'latin1').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export async function benchSessionMemory(launcher: string, work: string): Promise<Record<string, unknown>> {
  const setup = await setUp(launcher, work, 'memory');
  const tmux = new TmuxControl(80, 25);
  try {
    // Supervised: the menu stays while the session runs.
    const { pane } = await tmux.run([launcher, ...menuArgs], setup.env, setup.guest.name);
    const menuPid = await tmux.panePid(pane);
    await sleep(300);
    const idle = processMemory(menuPid);
    void tmux.command(`send-keys -t ${pane} Enter`);
    await untilDrawn(setup.screen, performance.now());
    await sleep(2000);
    const supervising = processMemory(menuPid);
    await tmux.killWindows();
    await untilBlank(setup.screen);

    // By hand, for comparison with what exec mode leaves.
    const byHand = spawn('vncviewer', setup.viewerArgs, { env: setup.env, stdio: 'ignore' });
    await untilDrawn(setup.screen, performance.now());
    await sleep(2000);
    const viewer = processMemory(byHand.pid as number);
    const byHandExited = new Promise((resolve) => byHand.once('exit', resolve));
    await closeViewer(byHand.pid as number);
    await byHandExited;
    await untilBlank(setup.screen);

    // Exec mode: the launcher's PID becomes vncviewer.
    const exec = spawn(launcher, ['connect', `vnc://127.0.0.1:${setup.guest.port}`, '--exec', ...benchLauncherArgs], { env: setup.env, stdio: 'ignore' });
    await untilDrawn(setup.screen, performance.now());
    await sleep(2000);
    const execPid = exec.pid as number;
    const becameViewer = /vncviewer$/.test(readlinkSync(`/proc/${execPid}/exe`));
    const afterExec = processMemory(execPid);
    const execExited = new Promise((resolve) => exec.once('exit', resolve));
    await closeViewer(execPid);
    await execExited;
    return {
      menuIdleRssMB: idle.rssMB,
      supervisingRssMB: supervising.rssMB,
      supervisingPeakRssMB: supervising.peakRssMB,
      vncviewerByHandRssMB: viewer.rssMB,
      execPidIsViewer: becameViewer,
      execPidRssMB: afterExec.rssMB,
      execExtraRssMB: Math.round((afterExec.rssMB - viewer.rssMB) * 10) / 10,
    };
  } finally {
    tmux.close();
    setup.screen.close();
    await setup.children.stopAll();
  }
}
