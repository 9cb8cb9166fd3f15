// npm run bench -- imageBootModel: boot to the menu on a deterministic model of an old PC, phase by
// phase, side by side with a bare busybox boot of the same kernel and a stock LTSP client.
//
// The model: QEMU TCG, one CPU, -icount shift=N (every instruction 2^N ns of guest time: shift 0
// is a ~1 GIPS PC, shift 2 a ~250 MIPS one), the guest kernel with idle=poll so its idle time is
// instructions as well (QemuPlan.icountShift says why). Every figure is read from the guest's own
// clock: the image's boot-time report (/usr/lib/vdd/boot-times) gives each phase in seconds since
// power-on from the processor's time-stamp counter, which QEMU runs on that guest time.
// The kernel's decompression, which happens before the kernel has a clock, is counted by QEMU
// itself: instructions between two breakpoints (QEMU's GDB stub) at the decompressor's entry and
// the decompressed kernel's, from QMP's query-replay.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manifestSchema } from '../common/manifest/manifest.ts';
import { qemuCommand } from '../image/boot/accel.ts';
import { freeLoopbackPort, startBootSession, type BootMode } from '../image/boot/boot-image.ts';
import { hostBusybox } from '../image/boot/marker-initrd.ts';
import { newcArchive } from '../image/boot/newc-archive.ts';
import { QmpClient } from '../image/boot/qmp.ts';
import { guestServiceAddress, qemuArgs } from '../image/boot/qemu-args.ts';
import { SerialConsole } from '../image/boot/serial-console.ts';
import { agreementPercent, bootPhases, parseBootReport, type BootPhases, type BootReport } from './boot-phases.ts';
import { GdbRemote } from './gdb-remote.ts';
import { ltspRowRuns, ltspRows, ltspRowsUnavailable } from './ltsp-client-model.ts';

/** Kernel parameters every modelled boot adds: its idle time is instructions too. */
export const modelKernelParameters = ['idle=poll'] as const;
/** The model's shifts and boot paths; VDD_BENCH_MODEL_SHIFTS and VDD_BENCH_MODEL_PATHS (comma-separated) pick some. */
const shifts = [0, 2] as const;
const chosen = (variable: string) => process.env[variable]?.split(',').filter((item) => item !== '');
const bootTimeoutMs = 40 * 60_000;
const reportLine = /boot seconds since power-on: ([^\n]*)/;
const bootTimesScript = new URL('../overlays/common/usr/lib/vdd/boot-times', import.meta.url);

type ImagePath = { readonly name: string; readonly mode: BootMode; readonly memoryMiB: number; readonly what: string };
const imagePaths: readonly ImagePath[] = [
  { name: 'kernelHttp512', mode: 'kernel', memoryMiB: 512, what: 'QEMU loads kernel and initrd, root over HTTP into RAM' },
  { name: 'ipxeHttp512', mode: 'net', memoryMiB: 512, what: "QEMU's PXE ROM (iPXE), kernel, initrd and root over HTTP" },
  { name: 'nbd256', mode: 'kernel', memoryMiB: 256, what: 'QEMU loads kernel and initrd, root over NBD (256 MB is too little for RAM)' },
  { name: 'diskBios512', mode: 'disk', memoryMiB: 512, what: 'vdd-thin.img, SeaBIOS and syslinux' },
  { name: 'diskUefi512', mode: 'disk-uefi', memoryMiB: 512, what: 'vdd-thin.img, OVMF and systemd-boot' },
];

type Run = { readonly report: BootReport; readonly wallSeconds: number };

function progress(text: string): void {
  process.stderr.write(`bench: imageBootModel: ${text}\n`);
}

/** Boots one image path under the model to the menu and reads the boot-time report from the serial console. */
async function imageRun(imageDir: string, path: ImagePath, shift: number, diskImage: string): Promise<Run> {
  const work = mkdtempSync(join(tmpdir(), 'vdd-bench-model-'));
  const disk = path.mode === 'disk' || path.mode === 'disk-uefi';
  const session = await startBootSession({
    imageDir,
    mode: path.mode,
    memoryMiB: path.memoryMiB,
    accel: 'tcg',
    icountShift: shift,
    serial: { socket: join(work, 'serial.sock') },
    ...(disk ? { diskImage } : { kernelParameters: modelKernelParameters }),
  });
  const started = Date.now();
  try {
    const console = await SerialConsole.connect(join(work, 'serial.sock'));
    const match = await console.waitFor(reportLine, 'the boot-time report (the menu on the screen)', bootTimeoutMs);
    console.close();
    return { report: parseBootReport(match[0]), wallSeconds: Math.round((Date.now() - started) / 1000) };
  } finally {
    await session.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * A copy of vdd-thin.img whose boot entries (syslinux and systemd-boot, slot A) also carry the
 * model's kernel parameters, edited on the FAT partition with mtools.
 */
export function modelDiskImage(imageDir: string, work: string): string {
  const copy = join(work, 'vdd-thin.img');
  const cp = spawnSync('cp', ['--sparse=always', join(imageDir, 'vdd-thin.img'), copy], { encoding: 'utf8' });
  if (cp.status !== 0) throw new Error(`cp vdd-thin.img: ${cp.stderr}`);
  const mbr = Buffer.alloc(512);
  const fd = openSync(copy, 'r');
  readSync(fd, mbr, 0, 512, 0);
  closeSync(fd);
  // Partition 1 (VDDBOOT): its first sector is at byte 454 of the MBR.
  const fat = `${copy}@@${mbr.readUInt32LE(454) * 512}`;
  const env = { ...process.env, MTOOLS_SKIP_CHECK: '1' };
  for (const [file, line] of [
    ['syslinux/syslinux.cfg', /^(\s*APPEND .*)$/gm],
    ['loader/entries/vdd-a.conf', /^(options .*)$/gm],
  ] as const) {
    const read = spawnSync('mtype', ['-i', fat, `::/${file}`], { encoding: 'utf8', env });
    if (read.status !== 0) throw new Error(`mtype ${file}: ${read.stderr}`);
    const edited = join(work, 'edited');
    writeFileSync(edited, read.stdout.replace(line, `$1 ${modelKernelParameters.join(' ')}`));
    const write = spawnSync('mcopy', ['-o', '-i', fat, edited, `::/${file}`], { encoding: 'utf8', env });
    if (write.status !== 0) throw new Error(`mcopy ${file}: ${write.stderr}`);
  }
  return copy;
}

/**
 * The floor: the same kernel, QEMU machine and command line with a bare busybox initrd that only
 * marks its start and runs the image's own boot-time report.
 */
function floorInitrd(): Buffer {
  const init = [
    '#!/bin/busybox sh',
    '/bin/busybox mount -t devtmpfs devtmpfs /dev',
    '/bin/busybox mount -t proc proc /proc',
    '/bin/busybox mount -t sysfs sysfs /sys',
    '/bin/busybox mount -t tracefs tracefs /sys/kernel/tracing',
    'echo "vdd-phase floor" > /sys/kernel/tracing/trace_marker',
    '/bin/busybox --install -s /bin',
    'export PATH=/bin',
    'sh /usr/lib/vdd/boot-times > /dev/ttyS0',
    'poweroff -f',
    '',
  ].join('\n');
  return newcArchive([
    ...['bin', 'dev', 'proc', 'sys', 'run', 'run/vdd', 'usr', 'usr/lib', 'usr/lib/vdd'].map((name) => ({ name, mode: 0o755 })),
    { name: 'bin/busybox', mode: 0o755, data: readFileSync(hostBusybox) },
    { name: 'usr/lib/vdd/boot-times', mode: 0o755, data: readFileSync(bootTimesScript) },
    { name: 'init', mode: 0o755, data: Buffer.from(init) },
  ]);
}

/** The image's kernel command line for QEMU's -kernel boots, with the model's parameters. */
function modelCommandLine(imageDir: string): string {
  const manifest = manifestSchema.parse(JSON.parse(readFileSync(join(imageDir, 'manifest.json'), 'utf8')));
  return [manifest.netbootCommandLine.replaceAll('${vdd-base}', `http://${guestServiceAddress}/`), ...modelKernelParameters].join(' ');
}

async function floorRun(imageDir: string, shift: number): Promise<Run> {
  const work = mkdtempSync(join(tmpdir(), 'vdd-bench-floor-'));
  writeFileSync(join(work, 'floor.cpio'), floorInitrd());
  const args = qemuArgs({
    accel: 'tcg',
    memoryMiB: 512,
    boot: { kind: 'kernel', kernel: join(imageDir, 'vmlinuz'), initrd: join(work, 'floor.cpio'), append: modelCommandLine(imageDir) },
    forwards: [],
    serial: 'stdio',
    icountShift: shift,
  });
  const started = Date.now();
  try {
    const output = await new Promise<string>((resolve, reject) => {
      const qemu = spawn(qemuCommand, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      const timer = setTimeout(() => qemu.kill('SIGKILL'), bootTimeoutMs);
      qemu.stdout.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      qemu.stderr.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      qemu.on('error', reject);
      qemu.on('exit', () => {
        clearTimeout(timer);
        resolve(text);
      });
    });
    const match = output.match(reportLine);
    if (!match) throw new Error(`the bare busybox boot printed no boot-time report:\n${output.slice(-2000)}`);
    return { report: parseBootReport(match[0]), wallSeconds: Math.round((Date.now() - started) / 1000) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Instructions QEMU counts from power-on to the kernel's decompressor (the bzImage's
 * code32_start) and from there to the decompressed kernel (its preferred load address, with
 * nokaslr), the image's kernel loaded by QEMU. The decompressor never idles: its instructions
 * times 2^shift ns are its time.
 */
async function kernelDecompression(imageDir: string): Promise<{ beforeInstructions: number; instructions: number }> {
  const kernel = join(imageDir, 'vmlinuz');
  const header = readFileSync(kernel).subarray(0, 0x260);
  const decompressor = header.readUInt32LE(0x214);
  const decompressed = Number(header.readBigUInt64LE(0x258));
  const work = mkdtempSync(join(tmpdir(), 'vdd-bench-decompress-'));
  writeFileSync(join(work, 'floor.cpio'), floorInitrd());
  const port = await freeLoopbackPort();
  const qmpSocket = join(work, 'qmp.sock');
  const args = qemuArgs({
    accel: 'tcg',
    memoryMiB: 512,
    boot: { kind: 'kernel', kernel, initrd: join(work, 'floor.cpio'), append: `${modelCommandLine(imageDir)} nokaslr` },
    forwards: [],
    serial: 'stdio',
    qmpSocket,
    icountShift: 0,
  });
  const qemu = spawn(qemuCommand, [...args, '-S', '-gdb', `tcp:127.0.0.1:${port}`], { stdio: 'ignore' });
  try {
    const gdb = await GdbRemote.connect(port);
    const qmp = await QmpClient.connect(qmpSocket);
    const icount = async () => ((await qmp.execute('query-replay')) as { icount: number }).icount;
    await gdb.hardwareBreakpoint(decompressor);
    await gdb.hardwareBreakpoint(decompressed);
    await gdb.continueToStop();
    const atDecompressor = await icount();
    // Resuming at a breakpoint would stop there again at once.
    await gdb.removeHardwareBreakpoint(decompressor);
    await gdb.continueToStop();
    const atKernel = await icount();
    gdb.close();
    qmp.close();
    return { beforeInstructions: atDecompressor, instructions: atKernel - atDecompressor };
  } finally {
    qemu.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  }
}

type PathResult = {
  readonly what: string;
  readonly endsAt: string;
  readonly seconds: number;
  readonly runsSeconds: number[];
  readonly agreementPercent: number;
  /** Whether the runs agree within the 2 % (from power-on). */
  readonly agreeWithin2Percent: boolean;
  /** The same from the kernel's clock start: firmware that halts waits for this host in real time (iPXE's downloads), the rest does not. */
  readonly fromKernelStart: { readonly runsSeconds: number[]; readonly agreementPercent: number };
  readonly phases: BootPhases;
  readonly busySeconds?: number;
  /** Under -icount every instruction takes 2^shift ns: the busy time (to /proc/stat's tick) gives the count. */
  readonly busyInstructions?: number;
  readonly launcherCpu?: BootReport['launcherCpu'];
  readonly wallSeconds: number[];
};

function summarize(what: string, end: string, runs: readonly Run[], decompressionSeconds: number | undefined, shift: number): PathResult {
  const totals = runs.map((run) => run.report.markers[end] ?? Number.NaN);
  const fromKernel = runs.map((run, index) => Math.round((totals[index]! - run.report.markers.kernel!) * 1000) / 1000);
  const first = runs[0]!.report;
  return {
    what,
    endsAt: end,
    seconds: totals[0]!,
    runsSeconds: totals,
    agreementPercent: agreementPercent(totals),
    agreeWithin2Percent: agreementPercent(totals) <= 2,
    fromKernelStart: { runsSeconds: fromKernel, agreementPercent: agreementPercent(fromKernel) },
    phases: bootPhases(first, decompressionSeconds),
    ...(first.busySeconds !== undefined ? { busySeconds: first.busySeconds, busyInstructions: Math.round((first.busySeconds * 1e9) / 2 ** shift) } : {}),
    ...(first.launcherCpu !== undefined ? { launcherCpu: first.launcherCpu } : {}),
    wallSeconds: runs.map((run) => run.wallSeconds),
  };
}

export async function benchImageBootModel(imageDir: string): Promise<Record<string, unknown>> {
  const runs = Math.max(1, Number(process.env.VDD_BENCH_MODEL_RUNS ?? 2));
  const pickedShifts = chosen('VDD_BENCH_MODEL_SHIFTS')?.map(Number) ?? shifts;
  const picked = (name: string) => chosen('VDD_BENCH_MODEL_PATHS')?.includes(name) ?? true;
  const work = mkdtempSync(join(tmpdir(), 'vdd-bench-model-disk-'));
  const repeat = async (label: string, shift: number, once: () => Promise<Run>) => {
    const done: Run[] = [];
    for (let run = 1; run <= runs; run++) {
      progress(`shift=${shift} ${label}, run ${run} of ${runs}`);
      done.push(await once());
      progress(`  ${JSON.stringify(done.at(-1)!.report.markers)} (${done.at(-1)!.wallSeconds} s wall)`);
    }
    return done;
  };
  try {
    progress('instructions of the kernel decompression (GDB stub breakpoints)');
    const decompression = await kernelDecompression(imageDir);
    const decompressionSeconds = (shift: number) => (decompression.instructions * 2 ** shift) / 1e9;
    const diskImage = imagePaths.some((path) => picked(path.name) && path.mode.startsWith('disk')) ? modelDiskImage(imageDir, work) : '';
    const results = new Map<number, Record<string, PathResult | { error: string } | { notBuilt: string }>>();
    for (const shift of pickedShifts) {
      const paths: Record<string, PathResult | { error: string } | { notBuilt: string }> = {};
      paths.floor = summarize(
        'bare busybox initrd on the same kernel and QEMU machine, to its first command',
        'floor',
        await repeat('floor', shift, () => floorRun(imageDir, shift)),
        decompressionSeconds(shift),
        shift,
      );
      for (const path of imagePaths.filter((path) => picked(path.name))) {
        try {
          const done = await repeat(path.name, shift, () => imageRun(imageDir, path, shift, diskImage));
          paths[path.name] = summarize(path.what, 'menu', done, decompressionSeconds(shift), shift);
        } catch (error) {
          paths[path.name] = { error: (error as Error).message.slice(0, 2000) };
        }
      }
      results.set(shift, paths);
    }
    const ltspUnavailable = ltspRowsUnavailable();
    for (const row of ltspRows.filter((row) => picked(row.name))) {
      const record = (value: { error: string } | { notBuilt: string }) => {
        for (const paths of results.values()) paths[row.name] = value;
      };
      if (ltspUnavailable !== undefined) {
        record({ notBuilt: ltspUnavailable });
        continue;
      }
      try {
        const { byShift, kernel } = await ltspRowRuns(row, pickedShifts, runs, modelKernelParameters, bootTimeoutMs);
        // The image's own kernel: its decompression is the one counted above.
        const sameKernel = kernel.equals(readFileSync(join(imageDir, 'vmlinuz')));
        for (const [shift, done] of byShift)
          results.get(shift)![row.name] = summarize(row.what, row.end, done, sameKernel ? decompressionSeconds(shift) : undefined, shift);
      } catch (error) {
        record({
          [row.name === 'ltspFlavour' && /no LTSP flavour build/.test(String(error)) ? 'notBuilt' : 'error']: (error as Error).message.slice(0, 2000),
        } as { error: string } | { notBuilt: string });
      }
    }
    const byShift: Record<string, unknown> = {};
    for (const [shift, paths] of results) {
      byShift[`shift${shift}`] = {
        guest: shift === 0 ? '~1 GIPS (1 ns per instruction)' : `~${1000 / 2 ** shift} MIPS (${2 ** shift} ns per instruction)`,
        paths,
        ratios: ratios(paths),
        ...(shift === 0 ? { targets: targets(paths) } : {}),
      };
    }
    return {
      model: {
        qemu: '-accel tcg -smp 1 -icount shift=N,sleep=on (N = 0 and 2)',
        guestKernelParameters: ['trace_clock=x86-tsc (the image has it)', ...modelKernelParameters],
        clock: "seconds since power-on from the guest's time-stamp counter (/usr/lib/vdd/boot-times)",
        runsPerPath: runs,
      },
      kernelDecompression: { instructions: decompression.instructions, firmwareInstructionsBefore: decompression.beforeInstructions },
      ...byShift,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const seconds = (result: unknown) => (typeof result === 'object' && result !== null && 'seconds' in result ? (result as PathResult).seconds : undefined);
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? undefined : Math.round((a / b) * 100) / 100);

/** Each boot path against the floor and against the stock LTSP client's login screen. */
function ratios(paths: Record<string, unknown>): Record<string, { vsFloor?: number; vsStockLtsp?: number }> {
  const floor = seconds(paths.floor);
  const ltsp = seconds(paths.ltspStock);
  const out: Record<string, { vsFloor?: number; vsStockLtsp?: number }> = {};
  for (const [name, result] of Object.entries(paths)) {
    if (seconds(result) === undefined) continue;
    const vsFloor = name === 'floor' ? undefined : ratio(seconds(result), floor);
    const vsStockLtsp = name === 'ltspStock' ? undefined : ratio(seconds(result), ltsp);
    out[name] = { ...(vsFloor !== undefined ? { vsFloor } : {}), ...(vsStockLtsp !== undefined ? { vsStockLtsp } : {}) };
  }
  return out;
}

/** Issue #22's targets at shift 0: seconds to the menu, and at most 0.3 times the stock LTSP client's login screen. */
function targets(paths: Record<string, unknown>): Record<string, unknown> {
  const ltsp = seconds(paths.ltspStock);
  const target = (name: string, limit: number) => {
    const measured = seconds(paths[name]);
    const vsLtsp = ratio(measured, ltsp);
    return {
      targetSeconds: limit,
      seconds: measured ?? null,
      met: measured !== undefined && measured <= limit,
      vsStockLtsp: vsLtsp ?? null,
      metVsLtsp: vsLtsp === undefined ? null : vsLtsp <= 0.3,
    };
  };
  return {
    kernelHttp512: target('kernelHttp512', 5),
    diskBios512: target('diskBios512', 3.5),
    diskUefi512: target('diskUefi512', 3.5),
    nbd256: target('nbd256', 6),
  };
}
