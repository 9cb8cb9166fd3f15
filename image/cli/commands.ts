// The table of vdd-image commands: how each is called, what it does, the options it takes and
// the code that runs it. --help, the option checks and the dispatch all read this one table.
import { boot } from './boot-command.ts';
import { build } from './build-command.ts';
import type { ImageCommand } from './command.ts';
import { flash } from './flash-command.ts';
import { keygen, sign, verify } from './key-commands.ts';
import { ltsp } from './ltsp-command.ts';
import { list, publish, rollback } from './publish-commands.ts';

export const imageCommands: readonly ImageCommand[] = [
  {
    name: 'build',
    usage: [
      {
        synopsis: 'build [--spec FILE] [--flavor NAME] [--out DIR] [--image-version V] [--fast] [--incremental] [--json]',
        help: `Build dist/image/VERSION/: vmlinuz, initrd.img, root.squashfs, nbd.img,
vdd.ipxe, vdd-thin.img, manifest.json, build.log. --fast uses the spec's fast squashfs
compression (tests) and only reports the payload budget. --incremental reuses
the installed tree of an earlier build with the same packages. --flavor ltsp builds the
root for a stock LTSP server (systemd, Debian's initramfs in /boot): vmlinuz, initrd.img
and root.squashfs, which vdd-image ltsp installs.`,
      },
      {
        synopsis: 'build --backend gentoo --plan [--spec FILE]',
        help: 'Print the Gentoo recipe (Portage files and commands) of the same image.',
      },
      { synopsis: 'build --plan [--spec FILE] [--flavor NAME]', help: "Print the Debian build's steps and commands without running them." },
      { synopsis: 'build --from-root DIR', help: 'Use a root tree made elsewhere (e.g. on Gentoo) instead of Debian packages.' },
    ],
    options: ['spec', 'flavor', 'out', 'image-version', 'fast', 'incremental', 'backend', 'plan', 'from-root', 'key', 'json'],
    run: build,
  },
  {
    name: 'boot',
    usage: [
      {
        synopsis: 'boot [--net | --kernel | --disk [--uefi]] [--mem MB] [--image-version V] [--accel auto|kvm|tcg]',
        help: `Boot the image in QEMU with the serial console on this terminal (Enter at its
prompt for a menu there; Ctrl-A X quits):
--net (default) iPXE over QEMU's TFTP and an HTTP server on loopback, the guest
restricted to them; --kernel the same without iPXE (QEMU loads vmlinuz and
initrd.img); --disk from vdd-thin.img, BIOS or --uefi.`,
      },
    ],
    options: ['out', 'image-version', 'net', 'kernel', 'disk', 'uefi', 'mem', 'accel'],
    run: boot,
  },
  {
    name: 'keygen',
    usage: [
      {
        synopsis: 'keygen [--out DIR] [--force]',
        help: `Make the ed25519 signing key pair: DIR/image-key (private, mode 0600) and
DIR/image-key.pub (default DIR .cache/image/keys). Never replaces a key without
--force. build signs with it (--key FILE for another) and bakes the public key
into the image as /etc/vdd/image-key.pub; the first build makes one if none exists.`,
      },
    ],
    options: ['out', 'force', 'json'],
    run: keygen,
  },
  {
    name: 'sign',
    usage: [{ synopsis: 'sign DIR [--key FILE]', help: 'Sign DIR/manifest.json (writes manifest.json.sig) without rebuilding.' }],
    options: ['key', 'json'],
    operand: 'DIR',
    run: sign,
  },
  {
    name: 'verify',
    usage: [{ synopsis: 'verify DIR [--key PUB] [--json]', help: "Check the signature and every artifact's size and sha256; one line per problem." }],
    options: ['key', 'json'],
    operand: 'DIR',
    run: verify,
  },
  {
    name: 'publish',
    usage: [
      {
        synopsis: 'publish --root ROOT [--from DIR | --image-version V] [--keep N] [--key PUB]',
        help: `Verify a signed version, place it as ROOT/versions/V/, switch ROOT/current and
ROOT/vdd.ipxe to it (each by rename), keep the last N versions (default 3; the
current and previous ones always stay).`,
      },
    ],
    options: ['root', 'from', 'out', 'image-version', 'keep', 'key', 'json'],
    run: publish,
  },
  {
    name: 'rollback',
    usage: [{ synopsis: 'rollback --root ROOT [--to V] [--key PUB]', help: 'Make the previous version (or V) current again.' }],
    options: ['root', 'to', 'key', 'json'],
    run: rollback,
  },
  {
    name: 'list',
    usage: [{ synopsis: 'list --root ROOT [--json]', help: 'Published versions: current, previous, size, build and publish dates.' }],
    options: ['root', 'json'],
    run: list,
  },
  {
    name: 'ltsp',
    usage: [
      {
        synopsis:
          'ltsp [--base-dir DIR] [--name NAME] [--from DIR | --image-version V] [--ltsp-conf FILE] [--broker URL] [--kernel-parameters TEXT] [--nbd] [--mac MAC[,MAC] | --make-default] [--apply] [--json]',
        help: `On a stock LTSP server: install the LTSP flavour's root (the newest vdd-image build
--flavor ltsp by default) as DIR/NAME (default /srv/ltsp/vdd-thin; unpacked under a
temporary name, then renamed), check ltsp.conf and print what to add to it (DEFAULT_IMAGE,
VDD_BROKER, for --nbd the NBD root) and the commands to run next: ltsp image NAME,
ltsp ipxe, ltsp initrd. --mac puts DEFAULT_IMAGE, KERNEL_PARAMETERS and VDD_BROKER in these
clients' own [MAC] sections, which LTSP's iPXE menu reads per client; without it they go in
[server] (every client), but a [server] value already set otherwise, or a server with other
images, is left alone unless --make-default (KERNEL_PARAMETERS, which every image would get,
is then refused). --apply checks that ltsp (and for --nbd nbd-server) is installed, writes
ltsp.conf (the old one kept as .old) and, for --nbd, the nbd-server export, then runs those
commands; it says what it changed and what it left. Clients boot over NFS, LTSP's
default; --nbd exports the image with nbd-server instead. Interrupted, it removes the
half-unpacked root and exits 130.`,
      },
    ],
    options: ['base-dir', 'name', 'from', 'out', 'image-version', 'ltsp-conf', 'broker', 'kernel-parameters', 'nbd', 'mac', 'make-default', 'apply', 'json'],
    run: ltsp,
  },
  {
    name: 'flash',
    usage: [
      {
        synopsis: 'flash --device DEV | --file FILE [--image PATH | --image-version V] [--config vdd.conf] [--force] [--json]',
        help: `Write vdd-thin.img (the newest built version's by default) to a disk or USB stick, or
to an image file, with a progress bar; read it back to verify it; then put the site's
vdd.conf (checked first) into its FAT partition. Refuses the disk holding /, mounted
or in-use disks, a device smaller than the image, and anything that is not a whole
disk (a partition, a volume) unless --force.`,
      },
    ],
    options: ['device', 'file', 'image', 'out', 'image-version', 'config', 'client-cert', 'client-key', 'force', 'json'],
    run: flash,
  },
];

export function findImageCommand(name: string): ImageCommand | undefined {
  return imageCommands.find((command) => command.name === name);
}
