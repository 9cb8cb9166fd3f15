// One line of help for every vdd-image option, printed by each command's --help.
import type { OptionDoc } from '../../common/cli/option-lines.ts';
import type { ImageOptionName } from './options.ts';

export const imageOptionDocs: Record<ImageOptionName, OptionDoc> = {
  spec: { argument: 'FILE', text: 'image spec (default image/vdd-thin.json)' },
  flavor: { argument: 'NAME', text: "build the spec's flavour NAME (its flavors; vdd-thin.json has ltsp)" },
  out: { argument: 'DIR', text: 'where versions are written (default dist/image); keygen: the key directory' },
  'image-version': { argument: 'V', text: 'version to build, boot, flash or publish (default: the package version / the newest)' },
  fast: { text: "the spec's fast squashfs compression; the payload budget is reported, not enforced" },
  incremental: { text: 'reuse the installed tree of an earlier build with the same packages' },
  backend: { argument: 'debian|gentoo', text: 'which recipe --plan prints (default debian)' },
  plan: { text: 'print the steps and commands without running them' },
  'from-root': { argument: 'DIR', text: 'use a root tree made elsewhere instead of Debian packages' },
  net: { text: 'iPXE over TFTP and HTTP on loopback (the default)' },
  kernel: { text: 'QEMU loads vmlinuz and initrd.img itself (no iPXE)' },
  disk: { text: 'boot vdd-thin.img' },
  uefi: { text: 'with --disk: UEFI firmware instead of BIOS' },
  mem: { argument: 'MB', text: 'guest memory in MiB (default 512)' },
  accel: { argument: 'auto|kvm|tcg', text: 'QEMU accelerator (default auto)' },
  key: { argument: 'FILE', text: 'signing key (build, sign) or public key (verify, publish, rollback); default .cache/image/keys/image-key(.pub)' },
  force: { text: 'keygen: replace an existing key; flash: write a device that is not a whole disk' },
  root: { argument: 'ROOT', text: 'the published root an HTTP server serves' },
  from: { argument: 'DIR', text: 'publish: the version directory (default: the newest built)' },
  keep: { argument: 'N', text: 'publish: versions kept (default 3; current and previous always stay)' },
  to: { argument: 'V', text: 'rollback: the version to make current (default the previous one)' },
  device: { argument: 'DEV', text: 'flash: the whole disk to write (e.g. /dev/sdb)' },
  file: { argument: 'FILE', text: 'flash: write an image file instead (created or truncated)' },
  image: { argument: 'PATH', text: 'flash: the disk image to write (default: the newest vdd-thin.img)' },
  config: { argument: 'FILE', text: "flash: vdd.conf to put on the disk's FAT partition" },
  json: { text: 'machine-readable result' },
  help: { text: 'this help' },
  version: { text: 'print the version' },
};
