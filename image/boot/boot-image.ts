// vdd-image boot: boots a built version in QEMU over the network (TFTP + loopback HTTP and NBD
// through guestfwd) or from vdd-thin.img, BIOS or UEFI. startBootSession is the same for tests
// and benchmarks, which read and type on the serial console through a socket.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kvmWorks, qemuCommand } from './accel.ts';
import { serveImage, type ImageServer } from './http-server.ts';
import { manifestSchema } from '../../common/manifest/manifest.ts';
import { isLtspVersion } from '../ltsp/ltsp-version.ts';
import { guestServiceAddress, qemuArgs, tftpBootScript, type GuestForward, type QemuPlan } from './qemu-args.ts';

/** net: iPXE over TFTP; kernel: vmlinuz and initrd given to QEMU directly, root over HTTP; disk: vdd-thin.img. */
export type BootMode = 'net' | 'kernel' | 'disk' | 'disk-uefi';

export const ovmf = { code: '/usr/share/OVMF/OVMF_CODE_4M.fd', vars: '/usr/share/OVMF/OVMF_VARS_4M.fd' } as const;
export const nbdGuestPort = 10809;

export type BootSessionOptions = {
  /** dist/image/VERSION */
  readonly imageDir: string;
  readonly mode: BootMode;
  readonly memoryMiB: number;
  readonly accel: 'kvm' | 'tcg';
  /** Extra services the guest may reach at 10.0.2.100 (a broker, a VNC guest). */
  readonly forwards?: readonly GuestForward[];
  /** Boot this copy of vdd-thin.img instead of the version's own (e.g. with an edited vdd.conf). */
  readonly diskImage?: string;
  /** Disk boots: the guest writes to diskImage itself and restarts on reboot (A/B update tests). */
  readonly persistent?: boolean;
  /** More kernel parameters for a network boot (vdd.broker=..., vdd.fetch=nbd). */
  readonly kernelParameters?: readonly string[];
  /** A person's terminal, or a unix socket a program connects to (QEMU waits for it). */
  readonly serial: 'terminal' | { readonly socket: string };
  readonly qmpSocket?: string;
  /** Kernel mode only: boot this initrd instead of the version's own (tests append an archive to it). */
  readonly initrd?: string;
  /** A second serial port (ttyS1) on a unix socket; QEMU does not wait for it (tests talk to a hook there). */
  readonly secondSerialSocket?: string;
  /** Deterministic guest time: QemuPlan.icountShift. */
  readonly icountShift?: number;
};

export type BootSession = {
  readonly qemu: ChildProcess;
  readonly server: ImageServer;
  readonly exited: Promise<number>;
  stop(): Promise<void>;
};

export async function startBootSession(options: BootSessionOptions): Promise<BootSession> {
  const work = mkdtempSync(join(tmpdir(), 'vdd-boot-'));
  const server = await serveImage(options.imageDir);
  const helpers: ChildProcess[] = [];
  const forwards: GuestForward[] = [{ guestPort: 80, hostPort: server.port }, ...(options.forwards ?? [])];
  let boot: QemuPlan['boot'];
  if (options.mode === 'net' || options.mode === 'kernel') {
    const nbdPort = await freeLoopbackPort();
    helpers.push(
      spawn(
        'qemu-nbd',
        [
          '--read-only',
          '--persistent',
          '--shared=4',
          '--bind=127.0.0.1',
          `--port=${nbdPort}`,
          '--export-name=vdd',
          '--format=raw',
          join(options.imageDir, 'root.squashfs'),
        ],
        {
          stdio: ['ignore', 'ignore', 'inherit'],
          detached: true,
        },
      ),
    );
    forwards.push({ guestPort: nbdGuestPort, hostPort: nbdPort });
    if (options.mode === 'net') {
      writeFileSync(join(work, 'boot.ipxe'), tftpBootScript(options.kernelParameters));
      boot = { kind: 'net', tftpDir: work, bootFile: 'boot.ipxe' };
    } else {
      const manifest = manifestSchema.parse(JSON.parse(readFileSync(join(options.imageDir, 'manifest.json'), 'utf8')));
      const append = [manifest.netbootCommandLine.replaceAll('${vdd-base}', `http://${guestServiceAddress}/`), ...(options.kernelParameters ?? [])].join(' ');
      boot = { kind: 'kernel', kernel: join(options.imageDir, 'vmlinuz'), initrd: options.initrd ?? join(options.imageDir, 'initrd.img'), append };
    }
  } else {
    const image = options.diskImage ?? join(options.imageDir, 'vdd-thin.img');
    if (!existsSync(image)) throw new Error(`${image} does not exist: build the image first`);
    let uefi: { code: string; vars: string } | undefined;
    if (options.mode === 'disk-uefi') {
      if (!existsSync(ovmf.code)) throw new Error(`${ovmf.code} is missing: install the Debian package ovmf`);
      uefi = { code: ovmf.code, vars: join(work, 'OVMF_VARS.fd') };
      copyFileSync(ovmf.vars, uefi.vars);
    }
    boot = { kind: 'disk', image, ...(uefi ? { uefi } : {}) };
  }
  const serialArg = options.serial === 'terminal' ? 'mon:stdio' : 'stdio';
  const args = qemuArgs({
    accel: options.accel,
    memoryMiB: options.memoryMiB,
    boot,
    forwards,
    serial: serialArg,
    ...(options.qmpSocket ? { qmpSocket: options.qmpSocket } : {}),
    ...(options.persistent && options.diskImage !== undefined ? { persistent: true } : {}),
    ...(options.icountShift !== undefined ? { icountShift: options.icountShift } : {}),
  });
  if (options.serial !== 'terminal') {
    // A socket QEMU waits on: nothing the guest prints is lost before the reader connects.
    const index = args.indexOf('-serial');
    args.splice(index, 2, '-chardev', `socket,id=serial0,path=${options.serial.socket},server=on,wait=on`, '-serial', 'chardev:serial0');
  }
  if (options.secondSerialSocket !== undefined) {
    args.push('-chardev', `socket,id=serial1,path=${options.secondSerialSocket},server=on,wait=off`, '-serial', 'chardev:serial1');
  }
  const qemu = spawn(qemuCommand, args, {
    stdio: options.serial === 'terminal' ? 'inherit' : ['ignore', 'ignore', 'pipe'],
    detached: options.serial !== 'terminal',
  });
  const exited = new Promise<number>((resolve) => {
    qemu.on('exit', (code) => resolve(code ?? 1));
    qemu.on('error', (error) => {
      process.stderr.write(`vdd-image: ${qemuCommand}: ${error.message}\n`);
      resolve(1);
    });
  });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (qemu.exitCode === null && qemu.signalCode === null) {
      qemu.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      if (qemu.exitCode === null && qemu.signalCode === null) qemu.kill('SIGKILL');
    }
    for (const helper of helpers) if (helper.exitCode === null) helper.kill('SIGTERM');
    await server.close();
    rmSync(work, { recursive: true, force: true });
  };
  return { qemu, server, exited, stop };
}

export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** The version directory to boot, flash or publish: the one named, or the newest built for vdd's own boot. */
export function findImageDir(outRoot: string, version: string | undefined): string {
  if (version !== undefined) {
    const dir = join(outRoot, version);
    if (!existsSync(join(dir, 'manifest.json')))
      throw new Error(`${dir} holds no built image (no manifest.json): run vdd-image build --image-version ${version}`);
    if (isLtspVersion(dir)) throw new Error(`${dir} is the LTSP flavour: an LTSP server boots it (vdd-image ltsp installs it there)`);
    return dir;
  }
  const versions = existsSync(outRoot)
    ? readdirSync(outRoot).filter((name) => !name.startsWith('.') && existsSync(join(outRoot, name, 'manifest.json')) && !isLtspVersion(join(outRoot, name)))
    : [];
  if (versions.length === 0) throw new Error(`no built image in ${outRoot}: run vdd-image build first`);
  versions.sort((a, b) => statSync(join(outRoot, b, 'manifest.json')).mtimeMs - statSync(join(outRoot, a, 'manifest.json')).mtimeMs);
  return join(outRoot, versions[0]!);
}

export async function chooseAccel(requested: 'auto' | 'kvm' | 'tcg', imageDir: string, cacheDir: string): Promise<'kvm' | 'tcg'> {
  if (requested !== 'auto') return requested;
  return (await kvmWorks(join(imageDir, 'vmlinuz'), cacheDir)) ? 'kvm' : 'tcg';
}

export type BootOptions = {
  readonly outRoot: string;
  readonly version: string | undefined;
  readonly mode: BootMode;
  readonly memoryMiB: number;
  readonly accel: 'auto' | 'kvm' | 'tcg';
  readonly cacheDir: string;
};

/** The CLI: serial console on this terminal until the guest powers off or Ctrl-A X. */
export async function bootImage(options: BootOptions): Promise<number> {
  const imageDir = findImageDir(options.outRoot, options.version);
  const accel = await chooseAccel(options.accel, imageDir, options.cacheDir);
  process.stderr.write(`vdd-image: booting ${imageDir} (${options.mode}, ${options.memoryMiB} MiB, ${accel}); Ctrl-A X quits QEMU\n`);
  const session = await startBootSession({ imageDir, mode: options.mode, memoryMiB: options.memoryMiB, accel, serial: 'terminal' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => void session.stop());
  const code = await session.exited;
  await session.stop();
  return code;
}
