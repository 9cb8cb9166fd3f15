// A real libvirtd (QEMU driver, TCG) with its own virtlogd as a test peer, started without systemd
// in private mount and PID namespaces: its /etc/libvirt, /run/libvirt and /var (an overlay) are the
// test's own directories, so several daemons run side by side and nothing of the machine's changes.
// Clients reach it through the socket in DIR/run (qemu:///system?socket=...). The namespace's first
// process is a shell that waits for both daemons and so reaps the QEMU processes libvirt leaves to
// it; stopping the peer (SIGTERM to its process group, SIGKILL after a grace period) takes the whole
// namespace down, QEMU domains included.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrokerGuest } from '../../../broker/catalog-file.ts';
import { LibvirtHypervisor } from '../../../broker/libvirt/libvirt-hypervisor.ts';
import type { Child, Children } from '../children.ts';
import { waitFor } from '../children.ts';
import { missingTools } from '../skip-reason.ts';
import { portFree } from './free-port.ts';

export type Libvirtd = {
  readonly child: Child;
  /** The connection URI the broker and virsh use. */
  readonly uri: string;
  readonly dir: string;
  /** The VNC ports this daemon gives its domains (autoport). */
  readonly vncPorts: { readonly min: number; readonly max: number };
  /** virsh against this daemon. */
  virsh(args: readonly string[]): Promise<string>;
};

/** Why a real libvirtd cannot run here, or undefined when it can. */
export function libvirtdUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'libvirtd with the QEMU driver in private namespaces needs root';
  return missingTools(['libvirtd', 'virtlogd', 'virsh', 'qemu-system-x86_64', 'unshare']);
}

const libvirtdConf = `# Test libvirtd: only root reaches the socket, which is in the test's own directory.
unix_sock_group = "root"
unix_sock_ro_perms = "0700"
unix_sock_rw_perms = "0700"
auth_unix_ro = "none"
auth_unix_rw = "none"
log_outputs = "3:stderr"
`;

const qemuConf = (ports: { min: number; max: number }) => `# Test QEMU driver: QEMU runs as root without confinement, cgroups or namespaces of its own;
# VNC ports from the test's range, so daemons of parallel tests do not meet.
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
cgroup_controllers = [ ]
namespaces = [ ]
vnc_listen = "127.0.0.1"
remote_display_port_min = ${ports.min}
remote_display_port_max = ${ports.max}
stdio_handler = "logd"
`;

/** Lays the private directories over the machine's in the new mount namespace, then runs both daemons and waits for them. */
const namespaceScript = `set -e
dir=$1
mount -t overlay overlay -o "lowerdir=/var,upperdir=$dir/var-upper,workdir=$dir/var-work" /var
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir /run/libvirt
mount --bind "$dir/run" /run/libvirt
mount --bind "$dir/etc" /etc/libvirt
virtlogd &
libvirtd -f /etc/libvirt/libvirtd.conf &
wait
`;

/** A block of 40 VNC ports nobody listens on now, between 12000 and 19999. */
/** Ranges already given to a daemon of this process: two daemons started together must not share one. */
const takenRanges = new Set<number>();

/** 40 VNC ports for one daemon's domains (QEMU takes the first free one), all free now. */
async function freeVncPorts(): Promise<{ min: number; max: number }> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const min = 12000 + Math.floor(Math.random() * 200) * 40;
    if (takenRanges.has(min)) continue;
    takenRanges.add(min);
    const free = await Promise.all(Array.from({ length: 40 }, (_, offset) => portFree('127.0.0.1', min + offset)));
    if (free.every(Boolean)) return { min, max: min + 39 };
  }
  throw new Error('no free range of 40 VNC ports between 12000 and 19999');
}

export function runVirsh(uri: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('virsh', ['--quiet', '--connect', uri, ...args], { timeout: 30_000, env: { ...process.env, LC_ALL: 'C' } }, (error, stdout, stderr) =>
      error ? reject(new Error(`virsh ${args.join(' ')}: ${stderr.trim() || error.message}`)) : resolve(stdout),
    );
  });
}

export async function startLibvirtd(children: Children, dir: string, name = 'libvirtd'): Promise<Libvirtd> {
  const root = join(dir, name);
  for (const sub of ['etc', 'run', 'var-upper', 'var-work']) mkdirSync(join(root, sub), { recursive: true });
  const vncPorts = await freeVncPorts();
  writeFileSync(join(root, 'etc', 'libvirtd.conf'), libvirtdConf);
  writeFileSync(join(root, 'etc', 'qemu.conf'), qemuConf(vncPorts));
  const child = children.start(name, 'unshare', [
    '--mount',
    '--propagation',
    'private',
    '--pid',
    '--fork',
    '--kill-child',
    '--mount-proc',
    'sh',
    '-c',
    namespaceScript,
    'sh',
    root,
  ]);
  const uri = `qemu:///system?socket=${join(root, 'run', 'libvirt-sock')}`;
  // The first connection waits for the QEMU driver to probe the emulator's capabilities (~1.5 s).
  await waitFor(
    `${name} to answer`,
    () =>
      runVirsh(uri, ['version']).then(
        () => true,
        () => false,
      ),
    { child, timeoutMs: 30_000 },
  );
  return { child, uri, dir: root, vncPorts, virsh: (args) => runVirsh(uri, args) };
}

export type TinyDomain = {
  readonly name: string;
  readonly title?: string;
  /** The graphics element's passwd (at most 8 characters); none: QEMU offers security type None. */
  readonly passwd?: string;
  /** listen='...' on the graphics; undefined: none (libvirt's default, vnc_listen). */
  readonly listen?: string;
  /** Raw XML for <metadata>. */
  readonly metadata?: string;
  /** <listen type='none'/>: a console nothing can reach. */
  readonly listenNone?: boolean;
  /** No graphics at all. */
  readonly noGraphics?: boolean;
  /** A qcow2 disk (e.g. for internal snapshots). */
  readonly disk?: string;
  readonly memoryMiB?: number;
};

/** A small TCG domain: no disk unless asked (SeaBIOS paints "No bootable device" on the console). */
export function tinyDomainXml(domain: TinyDomain): string {
  const attributes = [domain.passwd === undefined ? '' : ` passwd='${domain.passwd}'`, domain.listen === undefined ? '' : ` listen='${domain.listen}'`].join(
    '',
  );
  return `<domain type='qemu'>
  <name>${domain.name}</name>
  ${domain.title === undefined ? '' : `<title>${domain.title}</title>`}
  ${domain.metadata === undefined ? '' : `<metadata>${domain.metadata}</metadata>`}
  <memory unit='MiB'>${domain.memoryMiB ?? 64}</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    ${domain.disk === undefined ? '' : `<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${domain.disk}'/><target dev='vda' bus='virtio'/></disk>`}
    ${domain.noGraphics ? '' : `<graphics type='vnc' port='-1' autoport='yes'${attributes}>${domain.listenNone ? "<listen type='none'/>" : ''}</graphics>`}
    <video><model type='vga'/></video>
  </devices>
</domain>
`;
}

/** vdd-broker's libvirt engine in this process against these daemons (labelled h1, h2... when more than one), publishing to publish. */
export function libvirtEngine(daemons: readonly Libvirtd[], publish: (guests: readonly BrokerGuest[]) => void = () => {}): LibvirtHypervisor {
  const hosts = daemons.map((libvirtd, index) => ({ uri: libvirtd.uri, label: daemons.length > 1 ? `h${index + 1}` : undefined, vncHost: undefined }));
  return new LibvirtHypervisor(hosts, {
    log: () => {},
    publish,
    loopbackClients: true,
    refreshMs: 3_600_000,
    startTimeoutMs: 60_000,
    resetGraceMs: 30_000,
    leased: () => false,
  });
}

/** Defines the domain on the daemon (persistent, shut off). */
export async function defineDomain(libvirtd: Libvirtd, domain: TinyDomain): Promise<void> {
  const file = join(libvirtd.dir, `${domain.name}.xml`);
  writeFileSync(file, tinyDomainXml(domain));
  await libvirtd.virsh(['define', file]);
}
