// Image benchmarks (minutes under TCG, so they run only when an image is built): payload size,
// boot-to-menu seconds against the same kernel with a bare busybox initrd, RAM used at the menu
// and in a VNC session (Xvnc and vdd-broker on this host);
// build time cold, with cached packages and incremental only with VDD_BENCH_IMAGE_BUILD=1 (it
// downloads every package).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { markerBoot } from '../image/boot/accel.ts';
import { chooseAccel, findImageDir, freeLoopbackPort, startBootSession, type BootMode } from '../image/boot/boot-image.ts';
import { guestServiceAddress } from '../image/boot/qemu-args.ts';
import { colourShare } from '../image/boot/screendump.ts';
import { QmpClient } from '../image/boot/qmp.ts';
import { SerialConsole, serialPrompt } from '../image/boot/serial-console.ts';
import { buildImage } from '../image/build/build-image.ts';
import { manifestSchema } from '../common/manifest/manifest.ts';
import { loadSpec } from '../image/spec/load.ts';
import { median } from './stats.ts';

const mib = 2 ** 20;

export function imageBenchDir(outRoot: string): string | undefined {
  try {
    return findImageDir(outRoot, undefined);
  } catch {
    return undefined;
  }
}

export function benchPayload(imageDir: string): Record<string, unknown> {
  const manifest = manifestSchema.parse(JSON.parse(readFileSync(join(imageDir, 'manifest.json'), 'utf8')));
  const size = (name: keyof typeof manifest.artifacts) => +((manifest.artifacts[name]?.size ?? 0) / mib).toFixed(1);
  return {
    version: manifest.version,
    squashfsCompression: manifest.squashfsCompression,
    payloadMiB: +(manifest.payloadBytes / mib).toFixed(1),
    budgetMiB: manifest.payloadBudgetBytes / mib,
    vmlinuzMiB: size('vmlinuz'),
    initrdMiB: size('initrd.img'),
    squashfsMiB: size('root.squashfs'),
    nbdClientMiB: size('nbd.img'),
    diskImageMiB: size('vdd-thin.img'),
    buildSeconds: manifest.build.seconds,
    buildCachedPackages: manifest.build.cachedPackages,
  };
}

/** Where a boot's seconds go, from the initrd's messages on the serial console (0.1 s steps). */
type BootPhases = { firmwareAndKernel: number; initrd: number; systemAndLauncher: number };

async function bootToMenu(
  imageDir: string,
  mode: BootMode,
  memoryMiB: number,
  accel: 'kvm' | 'tcg',
): Promise<{ seconds: number; phases: BootPhases; usedMiB: number }> {
  const work = mkdtempSync(join(tmpdir(), 'vdd-bench-boot-'));
  const session = await startBootSession({
    imageDir,
    mode,
    memoryMiB,
    accel,
    serial: { socket: join(work, 'serial.sock') },
    qmpSocket: join(work, 'qmp.sock'),
  });
  try {
    const console = await SerialConsole.connect(join(work, 'serial.sock'));
    const started = Date.now();
    const elapsed = () => (Date.now() - started) / 1000;
    const timeout = 10 * 60_000;
    await console.waitFor(/vdd: loading drivers/, 'the initrd', timeout);
    const initrdStarted = elapsed();
    await console.waitFor(/vdd: starting the system/, 'the root system', timeout);
    const systemStarted = elapsed();
    // The serial console's prompt comes once the menu is on the PC's screen (tty1).
    const prompt = await console.waitFor(serialPrompt, 'the menu on the screen', timeout);
    const seconds = elapsed();
    if (prompt[1] === undefined) throw new Error('the menu did not come up on the screen within a minute of the system starting');
    const round = (value: number) => +value.toFixed(1);
    const phases = { firmwareAndKernel: round(initrdStarted), initrd: round(systemStarted - initrdStarted), systemAndLauncher: round(seconds - systemStarted) };
    // The figure a person at the menu would see, after the boot's last work (udev) has settled.
    await sleep(10_000);
    const qmp = await QmpClient.connect(join(work, 'qmp.sock'));
    const memory = await qmp.guestMemory();
    qmp.close();
    console.close();
    return { seconds, phases, usedMiB: Math.round((memory.total - memory.available) / mib) };
  } finally {
    await session.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

export async function benchImageBoot(imageDir: string, cacheDir: string): Promise<Record<string, unknown>> {
  const accel = await chooseAccel('auto', imageDir, cacheDir);
  // TCG's speed here swings by seconds from boot to boot: the baseline is the median of three.
  const bareRuns: number[] = [];
  for (let run = 0; run < 3; run++) {
    const boot = await markerBoot(accel, join(imageDir, 'vmlinuz'), 5 * 60_000);
    if (boot === undefined) throw new Error('the bare busybox initrd did not boot to its marker');
    bareRuns.push(boot.seconds);
  }
  const bare = { seconds: median(bareRuns) };
  const kernel512 = await bootToMenu(imageDir, 'kernel', 512, accel);
  const net512 = await bootToMenu(imageDir, 'net', 512, accel);
  const nbd256 = await bootToMenu(imageDir, 'net', 256, accel);
  const disk512 = existsSync(join(imageDir, 'vdd-thin.img')) ? await bootToMenu(imageDir, 'disk', 512, accel) : undefined;
  const ratio = (seconds: number) => +(seconds / bare.seconds).toFixed(2);
  return {
    accel,
    bareBusyboxToMarkerSeconds: bare.seconds,
    bareBusyboxRunsSeconds: bareRuns,
    kernelHttpToMenuSeconds: kernel512.seconds,
    kernelHttpRatio: ratio(kernel512.seconds),
    ipxeNetToMenuSeconds: net512.seconds,
    ipxeNetRatio: ratio(net512.seconds),
    nbd256ToMenuSeconds: nbd256.seconds,
    ...(disk512 ? { diskToMenuSeconds: disk512.seconds, diskRatio: ratio(disk512.seconds) } : {}),
    phasesSeconds: { kernel512: kernel512.phases, net512: net512.phases, nbd256: nbd256.phases, ...(disk512 ? { disk512: disk512.phases } : {}) },
    ramUsedAtMenuMiB: { net512: net512.usedMiB, kernel512: kernel512.usedMiB, nbd256: nbd256.usedMiB, ...(disk512 ? { disk512: disk512.usedMiB } : {}) },
  };
}

/**
 * Build time with an empty package cache, again with the packages cached (keeping the installed
 * tree), and then incremental (reusing that tree); fast compression each time.
 */
export async function benchImageBuild(specFile: string, work: string): Promise<Record<string, unknown>> {
  const loaded = loadSpec(specFile);
  const cacheDir = join(work, 'image-cache');
  const output = { write: (text: string) => process.stderr.write(text), isTTY: false };
  const build = async (version: string, incremental: boolean) => {
    const started = Date.now();
    await buildImage({ loaded, version, outRoot: join(work, 'image-out'), cacheDir, fast: true, incremental, output });
    return (Date.now() - started) / 1000;
  };
  const coldSeconds = await build('bench-cold', false);
  const cachedPackagesSeconds = await build('bench-cached', true);
  const incrementalSeconds = await build('bench-incremental', true);
  return { coldSeconds, cachedPackagesSeconds, incrementalSeconds, compression: loaded.spec.squashfs.fastCompression };
}

/** The guest's RAM at the menu and during a VNC session with Xvnc on this host, through the real broker. */
export async function benchVncSessionMemory(imageDir: string, cacheDir: string): Promise<Record<string, unknown>> {
  const accel = await chooseAccel('auto', imageDir, cacheDir);
  const work = mkdtempSync(join(tmpdir(), 'vdd-bench-vnc-'));
  const display = [...Array(40).keys()].map((n) => n + 60).find((n) => !existsSync(`/tmp/.X11-unix/X${n}`) && !existsSync(`/tmp/.X${n}-lock`));
  if (display === undefined) throw new Error('no free X display number between :60 and :99');
  const vncPort = await freeLoopbackPort();
  const brokerPort = await freeLoopbackPort();
  const helpers: ChildProcess[] = [];
  const start = (command: string, args: string[]) => {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    helpers.push(child);
    return child;
  };
  try {
    start('Xvnc', [`:${display}`, '-rfbport', String(vncPort), '-localhost', '-nolisten', 'tcp', '-SecurityTypes', 'None', '-geometry', '1024x768']);
    await waitForPort(vncPort);
    spawnSync('xsetroot', ['-display', `:${display}`, '-solid', '#3366cc']);
    const catalog = join(work, 'catalog.json');
    const guest = {
      id: 'xvnc',
      name: 'Xvnc on the host',
      os: 'Debian 12',
      protocol: 'vnc',
      host: guestServiceAddress,
      port: 5901,
      state: 'running',
      auth: 'none',
    };
    writeFileSync(catalog, JSON.stringify({ version: 1, broker: { id: 'bench', name: 'bench' }, ttl: 30, guests: [guest] }));
    start(process.execPath, [
      fileURLToPath(new URL('../bin/vdd-broker.js', import.meta.url)),
      '--catalog',
      catalog,
      '--listen',
      `127.0.0.1:${brokerPort}`,
      '--probe-interval',
      '0',
    ]);
    await waitForPort(brokerPort);
    const session = await startBootSession({
      imageDir,
      mode: 'kernel',
      memoryMiB: 512,
      accel,
      serial: { socket: join(work, 'serial.sock') },
      qmpSocket: join(work, 'qmp.sock'),
      kernelParameters: [`vdd.broker=http://${guestServiceAddress}:8080/`],
      forwards: [
        { guestPort: 8080, hostPort: brokerPort },
        { guestPort: 5901, hostPort: vncPort },
      ],
    });
    try {
      const console = await SerialConsole.connect(join(work, 'serial.sock'));
      // The person at the screen (tty1) chooses the guest; the serial console's launcher stays unstarted.
      await console.waitFor(serialPrompt, 'the menu on the screen', 10 * 60_000);
      const qmp = await QmpClient.connect(join(work, 'qmp.sock'));
      // By then the menu lists the broker's guest (it asks the broker at once).
      await sleep(10_000);
      const atMenu = await qmp.guestMemory();
      await qmp.sendKeys('1');
      await qmp.sendKeys('ret');
      const started = Date.now();
      const dump = join(work, 'screen.ppm');
      for (;;) {
        await qmp.execute('screendump', { filename: dump });
        if (colourShare(readFileSync(dump), [0x33, 0x66, 0xcc]) > 0.5) break;
        if (Date.now() - started > 3 * 60_000)
          throw new Error(`the remote desktop never showed after 1 and Enter on the screen; serial console:\n${console.text.slice(-2000)}`);
        await sleep(1000);
      }
      const toDesktopSeconds = (Date.now() - started) / 1000;
      await sleep(10_000);
      const inSession = await qmp.guestMemory();
      qmp.close();
      console.close();
      return {
        accel,
        menuToRemoteDesktopSeconds: toDesktopSeconds,
        ramUsedAtMenuMiB: Math.round((atMenu.total - atMenu.available) / mib),
        ramUsedInVncSessionMiB: Math.round((inSession.total - inSession.available) / mib),
      };
    } finally {
      await session.stop();
    }
  } finally {
    for (const helper of helpers) {
      try {
        process.kill(-helper.pid!, 'SIGTERM');
      } catch {
        // Already gone.
      }
    }
    rmSync(work, { recursive: true, force: true });
  }
}

async function waitForPort(port: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await sleep(100);
  }
  throw new Error(`nothing listens on 127.0.0.1:${port}`);
}
