// A stock LTSP 23 server (Debian's ltsp package) as a test peer, for LTSP clients booted in QEMU:
// a network namespace of its own with a tap device for the client's NIC, and for every command a
// private mount namespace in which the test's directories are LTSP's /etc/ltsp, /srv (BASE_DIR
// /srv/ltsp, TFTP_DIR /srv/tftp) and /etc/nbd-server, so this machine's own configuration is
// never read or written. dnsmasq serves DHCP and TFTP as `ltsp dnsmasq` sets them up (iPXE gets
// ltsp/ltsp.ipxe, a PXE ROM undionly.kpxe first); nbd-server exports the images. The kernel NFS
// server cannot run on this machine kind (its kernel has no nfsd file system), so roots go over
// NBD. build/setup-ltsp.sh installs the packages.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Child, Children } from '../children.ts';
import { waitFor, waitForFile } from '../children.ts';
import type { TestNetwork } from '../netns.ts';
import { missingTools } from '../skip-reason.ts';

const setupScript = new URL('../../../build/setup-ltsp.sh', import.meta.url).pathname;

/** Why no LTSP server can run here, after trying to install it; undefined when one can. */
export function ltspServerUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'an LTSP server needs root (namespaces, mounts, ltsp image)';
  try {
    execFileSync('sh', [setupScript], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 15 * 60_000 });
  } catch (error) {
    return `build/setup-ltsp.sh could not install the LTSP server's packages: ${(error as Error).message}`;
  }
  return missingTools(['ltsp', 'nbd-server', 'dnsmasq', 'unsquashfs', 'ip']);
}

export type LtspServer = {
  readonly netns: string;
  /** The tap device a QEMU client in netns attaches to (-netdev tap,ifname=...). */
  readonly tap: string;
  readonly address: string;
  /** First three octets, e.g. "10.207.3". */
  readonly prefix: string;
  /** The directories standing for /etc/ltsp, /srv and /etc/nbd-server. */
  readonly dirs: { readonly etcLtsp: string; readonly srv: string; readonly nbd: string };
  /** Runs a command on the server (its namespaces); resolves with its exit status and output. */
  run(command: string, args: readonly string[], options?: { timeoutMs?: number }): Promise<{ code: number; output: string }>;
  /** Starts a long-running program on the server, stopped by PID after the test file. */
  start(children: Children, name: string, command: string, args: readonly string[]): Child;
};

/** The namespace wrapper: a private mount namespace with the server's directories bound in. */
function onServer(netns: string, dirs: LtspServer['dirs'], command: string, args: readonly string[]): [string, string[]] {
  const binds = 'mount --bind "$1" /etc/ltsp && mount --bind "$2" /srv && mount --bind "$3" /etc/nbd-server && shift 3 && exec "$@"';
  return [
    'ip',
    ['netns', 'exec', netns, 'unshare', '-m', '--propagation', 'private', 'sh', '-c', binds, 'sh', dirs.etcLtsp, dirs.srv, dirs.nbd, command, ...args],
  ];
}

export function makeLtspServer(network: TestNetwork, dir: string, prefix: string): LtspServer {
  const netns = network.namespace('ltsp');
  const tap = `vtap${process.pid % 100000}`;
  execFileSync('ip', ['-n', netns, 'tuntap', 'add', 'dev', tap, 'mode', 'tap']);
  execFileSync('ip', ['-n', netns, 'addr', 'add', `${prefix}.1/24`, 'dev', tap]);
  execFileSync('ip', ['-n', netns, 'link', 'set', tap, 'up']);
  // LTSP finds its own address and MAC from the route to 192.168.67.1, as on a server with a
  // default route; this one leads only to the client's tap device.
  execFileSync('ip', ['-n', netns, 'route', 'add', 'default', 'dev', tap]);
  const dirs = { etcLtsp: join(dir, 'etc-ltsp'), srv: join(dir, 'srv'), nbd: join(dir, 'etc-nbd-server') };
  for (const path of [...Object.values(dirs), join(dirs.nbd, 'conf.d'), join(dirs.srv, 'tftp')]) mkdirSync(path, { recursive: true });
  // Debian's nbd-server config, run as root (LTSP's images directory is root's only).
  writeFileSync(join(dirs.nbd, 'config'), '[generic]\n\tincludedir = /etc/nbd-server/conf.d\n');
  return {
    netns,
    tap,
    address: `${prefix}.1`,
    prefix,
    dirs,
    run: (command, args, options = {}) =>
      new Promise((resolve) => {
        const [file, argv] = onServer(netns, dirs, command, args);
        execFile(file, argv, { timeout: options.timeoutMs ?? 15 * 60_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
          resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, output: `${stdout}${stderr}` }),
        );
      }),
    start: (children, name, command, args) => {
      const [file, argv] = onServer(netns, dirs, command, args);
      return children.start(name, file, argv);
    },
  };
}

/**
 * The QEMU arguments of a PC on the server's network (run it with server.start): TCG, one CPU,
 * an e1000 with the given MAC on the tap device, booting from its network ROM (iPXE), the serial
 * console and QMP on unix sockets, standard VGA for screendumps.
 */
export function ltspClientArgs(server: LtspServer, client: { memoryMiB: number; mac: string; serialSocket: string; qmpSocket: string }): string[] {
  return [
    '-nodefaults',
    '-machine',
    'pc,accel=tcg',
    '-smp',
    '1',
    '-m',
    String(client.memoryMiB),
    '-netdev',
    `tap,id=net0,ifname=${server.tap},script=no,downscript=no`,
    '-device',
    `e1000,netdev=net0,mac=${client.mac}`,
    '-boot',
    'n',
    '-vga',
    'std',
    '-display',
    'none',
    '-chardev',
    `socket,id=serial0,path=${client.serialSocket},server=on,wait=off`,
    '-serial',
    'chardev:serial0',
    '-qmp',
    `unix:${client.qmpSocket},server=on,wait=off`,
    '-no-reboot',
  ];
}

/** dnsmasq on the server's tap device: DHCP and TFTP from /srv/tftp as `ltsp dnsmasq` configures them; extraLines are dnsmasq.conf lines. */
export async function startLtspDnsmasq(children: Children, server: LtspServer, dir: string, extraLines: readonly string[] = []): Promise<Child> {
  const config = join(dir, 'ltsp-dnsmasq.conf');
  const pidFile = join(dir, 'ltsp-dnsmasq.pid');
  writeFileSync(
    config,
    [
      'port=0',
      `interface=${server.tap}`,
      'bind-interfaces',
      'no-resolv',
      'no-hosts',
      'no-ping',
      'user=root',
      `pid-file=${pidFile}`,
      `dhcp-leasefile=${join(dir, 'ltsp-dnsmasq.leases')}`,
      `dhcp-range=${server.prefix}.50,${server.prefix}.99,255.255.255.0,1h`,
      'enable-tftp',
      'tftp-root=/srv/tftp',
      // As LTSP's template: a PXE ROM chains iPXE first, iPXE gets LTSP's script.
      'dhcp-match=set:ipxe,175',
      'dhcp-boot=tag:!ipxe,ltsp/undionly.kpxe',
      'dhcp-boot=tag:ipxe,ltsp/ltsp.ipxe',
      ...extraLines,
      '',
    ].join('\n'),
  );
  const dnsmasq = server.start(children, 'dnsmasq (LTSP)', 'dnsmasq', ['--keep-in-foreground', '--log-facility=-', `--conf-file=${config}`]);
  await waitForFile(pidFile, dnsmasq);
  return dnsmasq;
}

/**
 * nbd-server with the exports in /etc/nbd-server/conf.d (vdd-image ltsp --nbd --apply writes one).
 * It must run as a daemon (with -d it serves one client and exits), so it is stopped by the PID
 * in its pid file.
 */
export async function startNbdServer(server: LtspServer, dir: string): Promise<{ readonly pid: number; stop(): Promise<void> }> {
  const pidFile = join(dir, 'nbd-server.pid');
  const started = await server.run('nbd-server', ['-C', '/etc/nbd-server/config', '-p', pidFile], { timeoutMs: 30_000 });
  if (started.code !== 0) throw new Error(`nbd-server did not start (${started.code}):\n${started.output}`);
  await waitFor('nbd-server to write its pid file', () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', { timeoutMs: 10_000 });
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  return {
    pid,
    stop: async () => {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        return;
      }
      for (let tries = 0; tries < 50; tries++) {
        try {
          process.kill(pid, 0);
        } catch {
          return;
        }
        await sleep(100);
      }
      process.kill(pid, 'SIGKILL');
    },
  };
}
