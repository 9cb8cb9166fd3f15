// The boot model's LTSP rows (VDD_BENCH_LTSP=1, as root): a stock LTSP 23 client and this
// project's LTSP flavour, each PXE-booted from a stock LTSP server (Debian's ltsp package, on a
// network namespace and tap device of its own: test/support/peers/ltsp-server.ts) the way LTSP
// boots them: QEMU's iPXE ROM, LTSP's iPXE script, kernel and initrds over TFTP, LTSP's
// initramfs, the root over NBD, systemd. Same QEMU model as the image's rows (image-boot-model.ts).
//
// The stock client is LTSP's own chroot made from Debian packages as LTSP's documentation makes
// one (debootstrap's package set, with recommends): the kernel, initramfs-tools, nbd-client, ltsp,
// LightDM with its GTK greeter and Xorg; cached in .cache/bench/ltsp-stock. One thing is added to
// measure it: LightDM's greeter-setup-script starts xev on the root window, and when the greeter
// maps its first window (the login screen) a marker goes into the kernel's trace buffer and the
// image's own boot-time report (overlays/common/usr/lib/vdd/boot-times) prints it on the serial
// port. The flavour prints that report itself when its menu is up.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { qemuCommand } from '../image/boot/accel.ts';
import { QmpClient } from '../image/boot/qmp.ts';
import { SerialConsole } from '../image/boot/serial-console.ts';
import { findLtspVersion } from '../image/ltsp/ltsp-version.ts';
import { Children } from '../test/support/children.ts';
import { TestNetwork } from '../test/support/netns.ts';
import { ltspClientArgs, ltspServerUnavailable, makeLtspServer, startLtspDnsmasq, startNbdServer, type LtspServer } from '../test/support/peers/ltsp-server.ts';
import { parseBootReport, type BootReport } from './boot-phases.ts';

const cache = new URL('../.cache/bench/', import.meta.url).pathname;
const bootTimesScript = new URL('../overlays/common/usr/lib/vdd/boot-times', import.meta.url).pathname;
const vddImage = new URL('../bin/vdd-image.js', import.meta.url).pathname;
const reportLine = /boot seconds since power-on: ([^\n]*)/;

/** The stock client's packages (with their recommends), as LTSP's documentation installs a chroot. */
const stockPackages = ['linux-image-amd64', 'initramfs-tools', 'nbd-client', 'ltsp', 'lightdm', 'lightdm-gtk-greeter', 'xserver-xorg'];
/** Not LTSP's: what marks the login screen (xev, in x11-utils). */
const instrumentPackages = ['x11-utils'];

const loginScreenHook = `#!/bin/sh
# LightDM's greeter-setup-script (the boot model's only addition to the stock client): runs as
# root on the greeter's display before the greeter starts, and leaves a watcher behind that marks
# the greeter's first mapped window (the login screen) and prints the boot-time report.
mkdir -p /run/vdd
setsid sh -c '
	xev -root -event substructure | while read -r event rest; do
		[ "$event" = MapNotify ] || continue
		echo "vdd-phase login-screen" > /sys/kernel/tracing/trace_marker
		sh /usr/local/lib/vdd-bench/boot-times > /dev/ttyS0
		pkill -x xev
		break
	done
' < /dev/null > /dev/null 2>&1 &
exit 0
`;

export type LtspRowRun = { readonly report: BootReport; readonly wallSeconds: number };

function progress(text: string): void {
  process.stderr.write(`bench: imageBootModel: ${text}\n`);
}

/** Why the LTSP rows cannot run, or undefined. */
export function ltspRowsUnavailable(): string | undefined {
  if (process.env.VDD_BENCH_LTSP !== '1')
    return 'set VDD_BENCH_LTSP=1 (as root; builds a stock LTSP client chroot from Debian packages once, ~1 GB in .cache/bench)';
  return ltspServerUnavailable();
}

/** The stock LTSP client's chroot, made once (mmdebstrap) into the server's /srv/ltsp/stock. */
function stockChroot(serverDir: string): string {
  const root = join(serverDir, 'srv/ltsp/stock');
  const stamp = join(serverDir, 'stock.packages');
  const wanted = [...stockPackages, ...instrumentPackages].join(',');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return root;
  progress(`making the stock LTSP client chroot (mmdebstrap: ${wanted}, with recommends)`);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(serverDir, 'srv/ltsp'), { recursive: true });
  execFileSync(
    'mmdebstrap',
    [
      '--variant=debootstrap',
      '--aptopt=Apt::Install-Recommends "true"',
      `--include=${wanted}`,
      '--customize-hook=mkdir -p "$1/usr/local/lib/vdd-bench" "$1/etc/lightdm/lightdm.conf.d"',
      'bookworm',
      root,
      'http://deb.debian.org/debian',
    ],
    { stdio: ['ignore', 'inherit', 'inherit'], timeout: 60 * 60_000 },
  );
  writeFileSync(join(root, 'usr/local/lib/vdd-bench/boot-times'), readFileSync(bootTimesScript), { mode: 0o755 });
  writeFileSync(join(root, 'usr/local/lib/vdd-bench/login-screen'), loginScreenHook, { mode: 0o755 });
  writeFileSync(
    join(root, 'etc/lightdm/lightdm.conf.d/90-vdd-bench.conf'),
    '[Seat:*]\n# The boot model marks the login screen (bench/ltsp-client-model.ts).\ngreeter-setup-script=/usr/local/lib/vdd-bench/login-screen\n',
  );
  writeFileSync(stamp, wanted);
  return root;
}

async function onServer(server: LtspServer, command: string, args: readonly string[]): Promise<void> {
  const result = await server.run(command, args, { timeoutMs: 60 * 60_000 });
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} on the LTSP server failed (${result.code}):\n${result.output.slice(-3000)}`);
}

/** LTSP's kernel parameters for an NBD root, and the model's. */
function kernelParameters(image: string, model: readonly string[]): string {
  return ['root=/dev/nbd0', `nbdroot=\${srv},${image},nbd0`, 'boot=local', 'ltsp.image=', 'trace_clock=x86-tsc', ...model].join(' ');
}

/** The stock client's server set-up: ltsp.conf, the NBD export, ltsp image (only when the chroot is newer), ipxe, initrd. */
async function prepareStock(server: LtspServer, serverDir: string, model: readonly string[]): Promise<void> {
  stockChroot(serverDir);
  writeFileSync(join(server.dirs.etcLtsp, 'ltsp.conf'), `[server]\nDEFAULT_IMAGE=stock\nKERNEL_PARAMETERS='${kernelParameters('stock', model)}'\n`);
  writeFileSync(join(server.dirs.nbd, 'conf.d/stock.conf'), '[stock]\n\texportname = /srv/ltsp/images/stock.img\n\treadonly = true\n');
  const image = join(serverDir, 'srv/ltsp/images/stock.img');
  if (!existsSync(image) || statSync(image).mtimeMs < statSync(join(serverDir, 'stock.packages')).mtimeMs) {
    progress('ltsp image stock (mksquashfs of the chroot)');
    await onServer(server, 'ltsp', ['image', 'stock']);
  }
  await onServer(server, 'ltsp', ['ipxe']);
  await onServer(server, 'ltsp', ['initrd']);
}

/**
 * The flavour's server set-up: vdd-image ltsp --nbd --apply of the newest LTSP flavour build,
 * again only when that build or the kernel parameters changed (ltsp image takes minutes).
 */
async function prepareFlavour(server: LtspServer, serverDir: string, buildDir: string, model: readonly string[]): Promise<void> {
  // The serial console: where the flavour's autologin prints the boot-time report (LTSP's own kernel parameters have none).
  const parameters = ['console=tty0', 'console=ttyS0,115200', 'trace_clock=x86-tsc', ...model].join(' ');
  const stamp = join(serverDir, 'flavour.applied');
  const wanted = `${readFileSync(join(buildDir, 'manifest.json'), 'utf8')}\n${parameters}\n`;
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted && existsSync(join(serverDir, 'srv/ltsp/images/vdd-thin.img'))) return;
  progress(`vdd-image ltsp --nbd --apply ${buildDir}`);
  await onServer(server, process.execPath, [vddImage, 'ltsp', '--from', buildDir, '--nbd', '--kernel-parameters', parameters, '--apply']);
  writeFileSync(stamp, wanted);
}

/** One PXE boot of a client of this server under the model, to the boot-time report on its serial port. */
async function clientRun(server: LtspServer, children: Children, shift: number, timeoutMs: number, screen: string): Promise<LtspRowRun> {
  const work = mkdtempSync(join(tmpdir(), 'vdd-bench-ltsp-client-'));
  const serialSocket = join(work, 'serial.sock');
  const qmpSocket = join(work, 'qmp.sock');
  const started = Date.now();
  const qemu = server.start(children, 'qemu (LTSP client)', qemuCommand, [
    ...ltspClientArgs(server, { memoryMiB: 512, mac: '52:54:00:07:22:01', serialSocket, qmpSocket }),
    '-icount',
    `shift=${shift},sleep=on`,
  ]);
  try {
    const console = await SerialConsole.connect(serialSocket, 30_000);
    const match = await console.waitFor(reportLine, 'the boot-time report (login screen or menu)', timeoutMs);
    console.close();
    // What was on the screen then, for a person to check (the login screen, the menu).
    const qmp = await QmpClient.connect(qmpSocket);
    await qmp.screendump(screen).catch(() => undefined);
    qmp.close();
    return { report: parseBootReport(match[0]), wallSeconds: Math.round((Date.now() - started) / 1000) };
  } finally {
    await qemu.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

export type LtspRow = { readonly name: 'ltspStock' | 'ltspFlavour'; readonly what: string; readonly end: string };
export const ltspRows: readonly LtspRow[] = [
  { name: 'ltspStock', what: 'stock LTSP 23 client (LightDM, GTK greeter) from a stock LTSP server, NBD root, to its login screen', end: 'login-screen' },
  { name: 'ltspFlavour', what: "this project's LTSP flavour from a stock LTSP server, NBD root, to the vdd menu", end: 'menu' },
];

/**
 * Runs every shift's boots of one LTSP row on a server of its own (kept in .cache/bench between
 * runs, so ltsp image runs only when the client changed), with the kernel the clients booted and
 * a screendump of each at its report in .cache/bench. Throws with the reason when the row cannot
 * be built.
 */
export async function ltspRowRuns(
  row: LtspRow,
  shifts: readonly number[],
  runs: number,
  model: readonly string[],
  timeoutMs: number,
): Promise<{ byShift: Map<number, LtspRowRun[]>; kernel: Buffer }> {
  let buildDir = '';
  if (row.name === 'ltspFlavour') buildDir = findLtspVersion(new URL('../dist/image', import.meta.url).pathname, {}).dir;
  const serverDir = join(cache, row.name === 'ltspStock' ? 'ltsp-stock' : 'ltsp-flavour');
  mkdirSync(serverDir, { recursive: true });
  const network = new TestNetwork();
  const children = new Children();
  let nbd: { stop(): Promise<void> } | undefined;
  try {
    const server = makeLtspServer(network, serverDir, `10.208.${process.pid % 200}`);
    if (row.name === 'ltspStock') await prepareStock(server, serverDir, model);
    else await prepareFlavour(server, serverDir, buildDir, model);
    await startLtspDnsmasq(children, server, mkdtempSync(join(tmpdir(), 'vdd-bench-ltsp-dnsmasq-')));
    nbd = await startNbdServer(server, serverDir);
    const byShift = new Map<number, LtspRowRun[]>();
    for (const shift of shifts) {
      const done: LtspRowRun[] = [];
      for (let run = 1; run <= runs; run++) {
        progress(`shift=${shift} ${row.name}, run ${run} of ${runs}`);
        done.push(await clientRun(server, children, shift, timeoutMs, join(cache, `${row.name}-shift${shift}.png`)));
        progress(`  ${JSON.stringify(done.at(-1)!.report.markers)} (${done.at(-1)!.wallSeconds} s wall)`);
      }
      byShift.set(shift, done);
    }
    const image = row.name === 'ltspStock' ? 'stock' : 'vdd-thin';
    return { byShift, kernel: readFileSync(join(serverDir, 'srv/tftp/ltsp', image, 'vmlinuz')) };
  } finally {
    await nbd?.stop();
    await children.stopAll();
    network.destroy();
  }
}
