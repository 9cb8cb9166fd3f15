// npm run demo: the whole loop on one machine. A network namespace holds two guests (xdm for an
// XDMCP desktop, Xvnc with a small desktop for a VNC one), vdd-broker listing them, and the thin
// client: vdd-launcher in this terminal, its sessions nested in your X display (DISPLAY) or in a
// private Xvfb whose screenshots are written. Without a terminal (CI, a pipe) the demo drives the
// menu itself: it opens both desktops, takes screenshots and says where they are.
// --screenshots DIR keeps the PNGs there (the README's come from `npm run demo -- --screenshots docs/screenshots`).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Children, waitFor } from '../test/support/children.ts';
import { TestNetwork } from '../test/support/netns.ts';
import { startVddBroker } from '../test/support/peers/vdd-broker.ts';
import { startXServer, type XServer } from '../test/support/peers/x-display.ts';
import { startXdm } from '../test/support/peers/xdm.ts';
import { xdmcpNetwork, type XdmcpNetwork } from '../test/support/peers/xdmcp-network.ts';
import { startXvnc } from '../test/support/peers/xvnc.ts';
import { figures, screenshot } from '../test/support/peers/screenshot.ts';
import { capture, writePng } from '../test/support/peers/xwd-png.ts';
import { TmuxTerminal } from '../test/support/tmux.ts';

const launcher = fileURLToPath(new URL('../dist/vdd-launcher', import.meta.url));
const { values: options } = parseArgs({ options: { screenshots: { type: 'string' }, scripted: { type: 'boolean' } } });

function say(text: string): void {
  process.stderr.write(`demo: ${text}\n`);
}

const children = new Children();
const network = new TestNetwork();
const work = mkdtempSync(join(tmpdir(), 'vdd-demo-'));
const shots = resolve(options.screenshots ?? join(work, 'screenshots'));
let stopping: Promise<void> | undefined;

function stopEverything(): Promise<void> {
  stopping ??= (async () => {
    await children.stopAll();
    network.destroy();
    if (options.screenshots === undefined && !existsSync(join(shots, 'vnc-session.png'))) rmSync(work, { recursive: true, force: true });
  })();
  return stopping;
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => void stopEverything().then(() => process.exit(130)));
}

async function startGuests(net: XdmcpNetwork): Promise<string> {
  const { netns, serverAddress } = net;
  say('starting the XDMCP guest (xdm) and the VNC guest (Xvnc with a small desktop)');
  await startXdm(children, work, net, { status: 'vdd demo: Debian-style desktop over XDMCP' });
  const xvnc = await startXvnc(children, work, { password: 'not-used', desktopName: 'vdd demo desktop', size: '1024x768', netns });
  const inGuest = { netns, env: { ...process.env, DISPLAY: xvnc.name } };
  children.start('xsetroot', 'xsetroot', ['-solid', '#30506e'], inGuest);
  children.start('xclock', 'xclock', ['-geometry', '220x220+60+60', '-update', '1'], inGuest);
  children.start('xlogo', 'xlogo', ['-geometry', '260x260+360+200'], inGuest);

  const catalog = join(work, 'catalog.json');
  writeFileSync(
    catalog,
    JSON.stringify({
      version: 1,
      broker: { id: 'demo', name: 'vdd demo broker' },
      ttl: 30,
      guests: [
        { id: 'debian', name: 'Debian desktop (XDMCP)', os: 'Debian 12', protocol: 'xdmcp', host: serverAddress, port: 177 },
        {
          id: 'desktop',
          name: 'Small desktop (VNC)',
          os: 'Xvnc',
          protocol: 'vnc',
          host: '127.0.0.1',
          port: xvnc.port,
          auth: 'vnc-password',
          passwordFile: xvnc.passwordFile,
        },
        { id: 'reactos', name: 'ReactOS (switched off)', os: 'ReactOS', protocol: 'vnc', host: '127.0.0.1', port: 5999, state: 'stopped' },
      ],
    }),
  );
  say('starting vdd-broker');
  const broker = await startVddBroker(children, catalog, { netns, host: '127.0.0.1', extraArgs: ['--probe-interval', '2'] });
  return broker.url;
}

/** The user's X display when it is a local one this namespace can reach, else a private Xvfb. */
function startXvfbIn(netns: string, size: string): Promise<XServer> {
  return startXServer(children, 'Xvfb', 'Xvfb', ['-screen', '0', `${size}x24`, '-br', '-nolisten', 'tcp', '-noreset'], { netns });
}

async function sessionDisplay(netns: string): Promise<{ display: string; own: XServer | undefined }> {
  const outer = process.env.DISPLAY;
  const local = outer === undefined ? undefined : /^:(\d+)(\.\d+)?$/.exec(outer);
  if (local && existsSync(`/tmp/.X11-unix/X${local[1]}`)) {
    say(`sessions open in your display ${outer}`);
    return { display: outer as string, own: undefined };
  }
  const own = await startXvfbIn(netns, '1024x768');
  say(`no local X display: sessions open in a private Xvfb (${own.name}); screenshots go to ${shots}`);
  return { display: own.name, own };
}

function launcherArgs(netns: string, brokerUrl: string): string[] {
  const sets = ['menu_allow_quit=yes', 'menu_title=vdd demo thin client', 'menu_timeout=0', `cache_dir=${join(work, 'cache')}`, 'discovery_sources='];
  return [
    'ip',
    'netns',
    'exec',
    netns,
    launcher,
    '--config',
    '/dev/null',
    '--disk-config',
    '/dev/null',
    '--cmdline',
    '/dev/null',
    '--broker',
    brokerUrl,
    ...sets.flatMap((set) => ['--set', set]),
  ];
}

/** Interactive: the menu in this terminal until "Leave the menu"; screenshots of sessions in our Xvfb. */
async function interactive(argv: string[], display: string, own: XServer | undefined, netns: string): Promise<void> {
  say('the menu opens now: choose a desktop with its number or Enter; P, then "Leave the menu" ends the demo');
  await sleep(1500);
  let watcher: NodeJS.Timeout | undefined;
  if (own) {
    // Keep the newest picture of whatever the sessions draw.
    watcher = setInterval(() => {
      try {
        const pixels = capture(display, { netns });
        if (figures(pixels).nonBackgroundShare > 0.05) writePng(pixels, join(shots, 'session.png'));
      } catch {
        // The display is busy starting or stopping; try again next time.
      }
    }, 3000);
  }
  const [command, ...args] = argv;
  const child = spawn(command ?? 'ip', args, { stdio: 'inherit', env: { ...process.env, DISPLAY: display } });
  await new Promise((resolve) => child.on('exit', resolve));
  clearInterval(watcher);
  if (existsSync(join(shots, 'session.png'))) say(`screenshot of the last session: ${join(shots, 'session.png')}`);
}

/** Scripted: drives the menu through tmux, opens both desktops and writes screenshots. */
async function scripted(argv: string[], display: string, netns: string): Promise<void> {
  // The menu's terminal is an xterm on a display of its own, so it can be photographed too.
  const terminalDisplay = await startXvfbIn(netns, '730x480');
  const menu = new TmuxTerminal(argv, { term: 'xterm', env: { DISPLAY: display } });
  try {
    const xterm = ['-geometry', '80x25+0+0', '-fa', 'DejaVu Sans Mono', '-fs', '11', '-bg', 'black', '-fg', 'gray90', '-e', ...menu.viewerArgv()];
    children.start('xterm', 'xterm', xterm, { netns, env: { ...process.env, DISPLAY: terminalDisplay.name } });
    const drawn = (onDisplay: string) => screenshot(onDisplay, { netns }).nonBackgroundShare;
    const shoot = async (name: string, onDisplay: string) => {
      await sleep(1500);
      writePng(capture(onDisplay, { netns }), join(shots, name));
      say(`screenshot: ${join(shots, name)}`);
    };
    await menu.waitForText('Small desktop (VNC)');
    await menu.waitForText(/Debian desktop \(XDMCP\) +Debian 12 +xdmcp +running/, 20_000);
    process.stdout.write(`\n${menu.screen()}\n`);
    await shoot('menu.png', terminalDisplay.name);
    menu.send('i');
    await menu.waitForText('About this computer');
    await shoot('info.png', terminalDisplay.name);
    menu.send('Enter');

    say('opening the VNC desktop (hotkey 2)');
    menu.send('2');
    await waitFor('the VNC desktop on screen', () => drawn(display) > 0.05, { timeoutMs: 20_000 });
    await shoot('vnc-session.png', display);
    say('closing the viewer: the menu comes back');
    // As if the person closed the viewer: the launcher's own vncviewer child goes away.
    const viewers = execFileSync('pgrep', ['-P', String(menu.pid()), '-x', 'vncviewer'], { encoding: 'utf8' })
      .trim()
      .split('\n');
    for (const pid of viewers) process.kill(Number(pid));
    // The menu comes back, or first says how the session ended (with a reconnect offer).
    await waitFor('the session to end', () => !menu.screen().includes('Connected to'), { timeoutMs: 15_000 });
    if (menu.screen().includes('Press Enter to go back')) menu.send('Escape');
    await waitFor('the list again', () => !menu.screen().includes('Press Enter to go back'));

    say('opening the XDMCP desktop (hotkey 1): the display manager greeter in Xnest');
    menu.send('1');
    await waitFor('the xdm greeter on screen', () => drawn(display) > 0.05, { timeoutMs: 20_000 });
    await shoot('xdmcp-session.png', display);
  } catch (error) {
    say(`the menu ${menu.dead() ? 'had exited' : 'showed'}:\n${menu.screen()}`);
    throw error;
  } finally {
    menu.close();
  }
}

async function main(): Promise<void> {
  if (!existsSync(launcher)) throw new Error(`${launcher} is missing: npm run build`);
  if (process.getuid?.() !== 0) throw new Error('the demo makes a network namespace for its guests: run it as root');
  mkdirSync(shots, { recursive: true });
  say(`working in ${work}`);
  const net = xdmcpNetwork(network, 'demo');
  const brokerUrl = await startGuests(net);
  const { display, own } = await sessionDisplay(net.netns);
  const argv = launcherArgs(net.netns, brokerUrl);
  const isTerminal = process.stdin.isTTY && process.stdout.isTTY && !options.scripted && !process.env.CI;
  if (isTerminal) await interactive(argv, display, own, net.netns);
  else await scripted(argv, display, net.netns);
}

try {
  await main();
} catch (error) {
  say(`failed: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await stopEverything();
}
