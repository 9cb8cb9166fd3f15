// Image benchmarks (minutes under TCG, so they run only when an image is built): payload size,
// boot-to-menu seconds against the same kernel with a bare busybox initrd, RAM used at the menu;
// build time cold, with cached packages and incremental only with VDD_BENCH_IMAGE_BUILD=1 (it
// downloads every package).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { markerBoot } from '../image/boot/accel.ts';
import { chooseAccel, findImageDir, startBootSession, type BootMode } from '../image/boot/boot-image.ts';
import { QmpClient } from '../image/boot/qmp.ts';
import { menuVisible, SerialConsole } from '../image/boot/serial-console.ts';
import { buildImage } from '../image/build/build-image.ts';
import { manifestSchema } from '../image/build/manifest.ts';
import { loadSpec } from '../image/spec/load.ts';

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
  const size = (name: keyof typeof manifest.artifacts) => +(manifest.artifacts[name].size / mib).toFixed(1);
  return {
    version: manifest.version,
    squashfsCompression: manifest.squashfsCompression,
    payloadMiB: +(manifest.payloadBytes / mib).toFixed(1),
    budgetMiB: manifest.payloadBudgetBytes / mib,
    vmlinuzMiB: size('vmlinuz'),
    initrdMiB: size('initrd.img'),
    squashfsMiB: size('root.squashfs'),
    diskImageMiB: size('vdd-thin.img'),
    buildSeconds: manifest.build.seconds,
    buildCachedPackages: manifest.build.cachedPackages,
  };
}

async function bootToMenu(imageDir: string, mode: BootMode, memoryMiB: number, accel: 'kvm' | 'tcg'): Promise<{ seconds: number; usedMiB: number }> {
  const work = mkdtempSync(join(tmpdir(), 'vdd-bench-boot-'));
  const session = await startBootSession({ imageDir, mode, memoryMiB, accel, serial: { socket: join(work, 'serial.sock') }, qmpSocket: join(work, 'qmp.sock') });
  try {
    const console = await SerialConsole.connect(join(work, 'serial.sock'));
    const started = Date.now();
    await console.waitFor(menuVisible, 'the menu', 10 * 60_000);
    const seconds = (Date.now() - started) / 1000;
    // The figure a person at the menu would see, after the boot's last work (udev) has settled.
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    const qmp = await QmpClient.connect(join(work, 'qmp.sock'));
    const memory = await qmp.guestMemory();
    qmp.close();
    console.close();
    return { seconds, usedMiB: Math.round((memory.total - memory.available) / mib) };
  } finally {
    await session.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

export async function benchImageBoot(imageDir: string, cacheDir: string): Promise<Record<string, unknown>> {
  const accel = await chooseAccel('auto', imageDir, cacheDir);
  const bare = await markerBoot(accel, join(imageDir, 'vmlinuz'), 5 * 60_000);
  if (bare === undefined) throw new Error('the bare busybox initrd did not boot to its marker');
  const kernel512 = await bootToMenu(imageDir, 'kernel', 512, accel);
  const net512 = await bootToMenu(imageDir, 'net', 512, accel);
  const nbd256 = await bootToMenu(imageDir, 'net', 256, accel);
  const disk512 = existsSync(join(imageDir, 'vdd-thin.img')) ? await bootToMenu(imageDir, 'disk', 512, accel) : undefined;
  const ratio = (seconds: number) => +(seconds / bare.seconds).toFixed(2);
  return {
    accel,
    bareBusyboxToMarkerSeconds: bare.seconds,
    kernelHttpToMenuSeconds: kernel512.seconds,
    kernelHttpRatio: ratio(kernel512.seconds),
    ipxeNetToMenuSeconds: net512.seconds,
    ipxeNetRatio: ratio(net512.seconds),
    nbd256ToMenuSeconds: nbd256.seconds,
    ...(disk512 ? { diskToMenuSeconds: disk512.seconds, diskRatio: ratio(disk512.seconds) } : {}),
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
