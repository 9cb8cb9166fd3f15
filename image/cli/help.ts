// vdd-image --help text (docs/image.md is the full manual).

export const imageHelp = `Usage: vdd-image COMMAND [OPTIONS]

Builds the vdd-thin boot image from a declarative spec and boots it in QEMU.

Commands:
  build [--spec FILE] [--out DIR] [--image-version V] [--fast] [--incremental] [--json]
        Build dist/image/VERSION/: vmlinuz, initrd.img, root.squashfs, vdd.ipxe,
        vdd-thin.img, manifest.json, build.log. --fast uses the spec's fast squashfs
        compression (tests) and only reports the payload budget. --incremental reuses
        the installed tree of an earlier build with the same packages.
  build --backend gentoo --plan [--spec FILE]
        Print the Gentoo recipe (Portage files and commands) of the same image.
  build --plan [--spec FILE]
        Print the Debian build's steps and commands without running them.
  build --from-root DIR
        Use a root tree made elsewhere (e.g. on Gentoo) instead of Debian packages.
  boot [--net | --kernel | --disk [--uefi]] [--mem MB] [--image-version V] [--accel auto|kvm|tcg]
        Boot the image in QEMU with the serial console on this terminal (Ctrl-A X quits):
        --net (default) iPXE over QEMU's TFTP and an HTTP server on loopback, the guest
        restricted to them; --kernel the same without iPXE (QEMU loads vmlinuz and
        initrd.img); --disk from vdd-thin.img, BIOS or --uefi.

Options:
  --spec FILE          image spec (default image/vdd-thin.json)
  --out DIR            where versions are written (default dist/image)
  --image-version V    version to build or boot (default: the package version / the newest)
  --json               machine-readable result
  -h, --help           this help
  -V, --version        print the version

Exit status: 0 success, 1 failure, 2 usage error.
See docs/image.md.
`;
