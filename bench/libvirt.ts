// libvirt benchmarks against real libvirtd daemons (test/support/peers/libvirtd.ts: QEMU domains
// under TCG, no disk): a session request for a stopped domain until the answer with its real
// port; Enter in the menu until the VM's console (SeaBIOS text) is on screen, for a stopped and a
// running domain; one catalog refresh round over two VM hosts of 50 domains each; setting a
// console ticket. Root only (the daemons run in private namespaces).
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeDirectory } from '../common/io/make-directory.ts';
import { requestSession } from '../launcher/broker-client/session-request.ts';
import { Children, waitFor } from '../test/support/children.ts';
import { defineDomain, type Libvirtd, libvirtdUnavailable, libvirtEngine, startLibvirtd } from '../test/support/peers/libvirtd.ts';
import { startVddBroker, writeEmptyCatalog } from '../test/support/peers/vdd-broker.ts';
import { startXvfb } from '../test/support/peers/x-display.ts';
import { closeViewer, Framebuffer, viewerOf } from './session.ts';
import { median, percentile } from './stats.ts';
import { TmuxControl } from './tmux-control.ts';

const client = { mac: '52:54:00:12:34:56' };

function figures(samples: readonly number[]) {
  return { p50: round(median(samples)), p95: round(percentile(samples, 95)), max: round(Math.max(...samples)), runs: samples.length };
}

const round = (ms: number) => Math.round(ms * 10) / 10;

async function withDaemons<T>(
  work: string,
  names: readonly string[],
  run: (daemons: Libvirtd[], children: Children) => Promise<T>,
): Promise<T | { skipped: string }> {
  const unavailable = libvirtdUnavailable();
  if (unavailable) return { skipped: unavailable };
  const children = new Children();
  try {
    return await run(await Promise.all(names.map((name) => startLibvirtd(children, work, name))), children);
  } finally {
    await children.stopAll();
  }
}

/** POST session for a stopped domain -> the answer with the port libvirt gave it (the broker starts the domain meanwhile). */
export function benchLibvirtSessionStart(work: string, runs = 20) {
  return withDaemons(work, ['bench-start'], async ([libvirtd], children) => {
    if (libvirtd === undefined) throw new Error('no daemon');
    const names = ['one', 'two', 'three'];
    for (const name of names) await defineDomain(libvirtd, { name });
    const broker = await startVddBroker(children, writeEmptyCatalog(work, 'libvirt-catalog.json'), {
      extraArgs: ['--probe-interval', '60', '--libvirt', libvirtd.uri],
    });
    const samples: number[] = [];
    for (let run = 0; run < runs; run++) {
      const name = names[run % names.length] as string;
      const t0 = performance.now();
      const answer = await requestSession(broker.url, name, client, { caFile: '/nonexistent', timeoutMs: 60_000 });
      samples.push(performance.now() - t0);
      if (answer?.port === undefined) throw new Error('no port in the answer');
      await libvirtd.virsh(['destroy', name]);
    }
    return { ...figures(samples), what: 'POST /v1/guests/ID/session for a shut-off domain until the answer with its real port' };
  });
}

/** One listing round (every host in parallel) over two VM hosts of 50 domains each. */
export function benchLibvirtCatalogRefresh(work: string, rounds = 15) {
  return withDaemons(work, ['bench-host1', 'bench-host2'], async (daemons) => {
    await Promise.all(
      daemons.map(async (libvirtd) => {
        for (let index = 0; index < 50; index++) await defineDomain(libvirtd, { name: `desk${index}`, title: `Desktop ${index}` });
        for (let index = 0; index < 5; index++) await libvirtd.virsh(['start', `desk${index}`]);
      }),
    );
    let listed = 0;
    const hypervisor = libvirtEngine(daemons, (guests) => (listed = guests.length));
    const samples: number[] = [];
    let firstRoundMs = 0;
    try {
      // The first round reads and parses every domain (two virsh runs per host); later rounds read
      // the known domains and the list in one run and parse only XML that changed.
      for (let pass = 0; pass <= rounds; pass++) {
        const t0 = performance.now();
        await hypervisor.refresh();
        if (pass === 0) firstRoundMs = round(performance.now() - t0);
        else samples.push(performance.now() - t0);
      }
    } finally {
      hypervisor.close();
    }
    return { ...figures(samples), firstRoundMs, hosts: 2, domainsPerHost: 50, runningPerHost: 5, guestsListed: listed, targetMs: 200 };
  });
}

/** setConsoleTicket on a running domain: virsh update-device --live with the graphics and passwdValidTo. */
export function benchLibvirtTicketSet(work: string, runs = 30) {
  return withDaemons(work, ['bench-ticket'], async ([libvirtd]) => {
    if (libvirtd === undefined) throw new Error('no daemon');
    await defineDomain(libvirtd, { name: 'desk' });
    const hypervisor = libvirtEngine([libvirtd]);
    const samples: number[] = [];
    try {
      await hypervisor.refresh();
      await hypervisor.ensureRunning('desk', { continues: false });
      for (let run = 0; run < runs; run++) {
        const t0 = performance.now();
        await hypervisor.setConsoleTicket('desk', `pw${String(run).padStart(6, '0')}`, new Date(Date.now() + 60_000));
        samples.push(performance.now() - t0);
      }
    } finally {
      hypervisor.close();
    }
    return { ...figures(samples), targetMs: 50 };
  });
}

/** Every colour channel above half: the VGA text's light grey, not the viewer's dark grey window. */
function bright(pixel: number): boolean {
  return (pixel & 0xff) > 0x80 && ((pixel >> 8) & 0xff) > 0x80 && ((pixel >> 16) & 0xff) > 0x80;
}

async function brokerState(url: string): Promise<string | undefined> {
  const answer = await fetch(new URL('v1/catalog', url), { headers: { 'vdd-protocol': '1.1' } });
  return ((await answer.json()) as { guests: { state: string }[] }).guests[0]?.state;
}

/** The rows of the VM's first lines of text (SeaBIOS's banner) in its 720x400 picture, centred on 1024x768, below vncviewer's own banner. */
const vmTextRows = { x0: 152, x1: 872, y0: 184, y1: 300, yStep: 2 };

/** Enter in the menu -> the VM's console text on screen, for a domain that is shut off and one already running. */
export function benchLibvirtConsoleFirstFrame(launcher: string, work: string, runs = 8) {
  return withDaemons(work, ['bench-frame'], async ([libvirtd], children) => {
    if (libvirtd === undefined) throw new Error('no daemon');
    await defineDomain(libvirtd, { name: 'desk', title: 'Bench VM' });
    const broker = await startVddBroker(children, writeEmptyCatalog(work, 'libvirt-catalog.json'), {
      extraArgs: ['--probe-interval', '60', '--libvirt', libvirtd.uri],
    });
    const fbdir = join(work, 'fb-libvirt');
    makeDirectory(fbdir);
    const outer = await startXvfb(children, '1024x768', fbdir);
    const screen = new Framebuffer(fbdir);
    const litPixels = () => screen.count(vmTextRows, bright);
    const cache = join(work, 'libvirt-cache');
    makeDirectory(cache);
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', TERM: 'linux', DISPLAY: outer.name, VDD_CACHE_DIR: cache, HOME: work };
    const args = ['--config', '/dev/null', '--cmdline', '/dev/null', '--disk-config', '/dev/null', '--set', 'log_file=/dev/null', '--broker', broker.url];
    const menuArgs = [...args, '--set', 'menu_timeout=0', '--set', 'discovery_sources=', '--set', 'session_exec_below_ram=0'];
    const tmux = new TmuxControl(80, 25);
    const result: Record<'stopped' | 'running', number[]> = { stopped: [], running: [] };
    try {
      for (let run = 0; run < runs; run++) {
        for (const kind of ['stopped', 'running'] as const) {
          const state = (await libvirtd.virsh(['domstate', 'desk'])).trim();
          if (kind === 'stopped' && state === 'running') await libvirtd.virsh(['destroy', 'desk']);
          // The menu shows the broker's word: wait until the broker has seen the domain go.
          await waitFor(`the broker to list the domain ${kind}`, async () => (await brokerState(broker.url)) === kind, { timeoutMs: 10_000 });
          const { pane } = await tmux.run([launcher, ...menuArgs], env, 'Bench VM');
          await tmux.waitForScreen(pane, kind, 10_000);
          const menuPid = await tmux.panePid(pane);
          await sleep(1000);
          const t0 = performance.now();
          void tmux.command(`send-keys -t ${pane} Enter`);
          await waitFor('the VM console on screen', () => litPixels() > 200, { timeoutMs: 60_000 });
          result[kind].push(performance.now() - t0);
          await closeViewer(await viewerOf(menuPid));
          await tmux.killWindows();
          await waitFor('the screen blank again', () => litPixels() === 0, { timeoutMs: 10_000 });
        }
      }
    } finally {
      screen.close();
      tmux.close();
    }
    return {
      stoppedDomain: figures(result.stopped),
      runningDomain: figures(result.running),
      what: 'Enter in the menu -> SeaBIOS text of the VM on the outer display',
    };
  });
}
