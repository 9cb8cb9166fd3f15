// vdd-image --help text (docs/image.md is the full manual).

export const imageHelp = `Usage: vdd-image COMMAND [OPTIONS]

Builds the vdd-thin boot image from a declarative spec, boots it in QEMU, signs it and
publishes it for netboot clients.

Commands:
  build [--spec FILE] [--flavor NAME] [--out DIR] [--image-version V] [--fast] [--incremental] [--json]
        Build dist/image/VERSION/: vmlinuz, initrd.img, root.squashfs, nbd.img,
        vdd.ipxe, vdd-thin.img, manifest.json, build.log. --fast uses the spec's fast squashfs
        compression (tests) and only reports the payload budget. --incremental reuses
        the installed tree of an earlier build with the same packages. --flavor ltsp builds
        the root for a stock LTSP server instead (systemd, Debian's initramfs in /boot):
        vmlinuz, initrd.img and root.squashfs, which vdd-image ltsp installs.
  build --backend gentoo --plan [--spec FILE]
        Print the Gentoo recipe (Portage files and commands) of the same image.
  build --plan [--spec FILE]
        Print the Debian build's steps and commands without running them.
  build --from-root DIR
        Use a root tree made elsewhere (e.g. on Gentoo) instead of Debian packages.
  boot [--net | --kernel | --disk [--uefi]] [--mem MB] [--image-version V] [--accel auto|kvm|tcg]
        Boot the image in QEMU with the serial console on this terminal (Enter at its
        prompt for a menu there; Ctrl-A X quits):
        --net (default) iPXE over QEMU's TFTP and an HTTP server on loopback, the guest
        restricted to them; --kernel the same without iPXE (QEMU loads vmlinuz and
        initrd.img); --disk from vdd-thin.img, BIOS or --uefi.
  keygen [--out DIR] [--force]
        Make the ed25519 signing key pair: DIR/image-key (private, mode 0600) and
        DIR/image-key.pub (default DIR .cache/image/keys). Never replaces a key without
        --force. build signs with it (--key FILE for another) and bakes the public key
        into the image as /etc/vdd/image-key.pub; the first build makes one if none exists.
  sign DIR [--key FILE]
        Sign DIR/manifest.json (writes manifest.json.sig) without rebuilding.
  verify DIR [--key PUB] [--json]
        Check the signature and every artifact's size and sha256; one line per problem.
  publish --root ROOT [--from DIR | --image-version V] [--keep N] [--key PUB]
        Verify a signed version, place it as ROOT/versions/V/, switch ROOT/current and
        ROOT/vdd.ipxe to it (each by rename), keep the last N versions (default 3; the
        current and previous ones always stay).
  rollback --root ROOT [--to V] [--key PUB]
        Make the previous version (or V) current again.
  list --root ROOT [--json]
        Published versions: current, previous, size, build and publish dates.
  flash --device DEV | --file FILE [--image PATH | --image-version V] [--config vdd.conf] [--force] [--json]
        Write vdd-thin.img (the newest built version's by default) to a disk or USB stick, or
        to an image file, with a progress bar; read it back to verify it; then put the site's
        vdd.conf (checked first) into its FAT partition. Refuses the disk holding /, mounted
        or in-use disks, a device smaller than the image, and anything that is not a whole
        disk (a partition, a volume) unless --force.

Options:
  --spec FILE          image spec (default image/vdd-thin.json)
  --flavor NAME        build the spec's flavour NAME (flavors in the spec; vdd-thin.json has ltsp)
  --out DIR            where versions are written (default dist/image)
  --image-version V    version to build or boot (default: the package version / the newest)
  --key FILE           signing key (build, sign) or public key (verify, publish, rollback);
                       default .cache/image/keys/image-key(.pub)
  --root ROOT          the published root an HTTP server serves
  --device DEV         flash: the whole disk to write (e.g. /dev/sdb)
  --file FILE          flash: write an image file instead (created or truncated)
  --image PATH         flash: the disk image to write (default: the newest vdd-thin.img)
  --config FILE        flash: vdd.conf to put on the disk's FAT partition
  --json               machine-readable result
  -h, --help           this help
  -V, --version        print the version

Exit status: 0 success, 1 failure, 2 usage error.
See docs/image.md.
`;
