// The mmdebstrap command that makes the Debian root from the spec, with the package cache kept
// between builds (mmdebstrap's own sync-in/sync-out hooks). The shell hooks are fixed lines: no
// value from the spec is ever part of one.
import type { ImageSpec } from '../spec/schema.ts';

export type RootPaths = {
  /** Directory the root is written to (must not exist yet). */
  readonly root: string;
  /** .deb files kept between builds. */
  readonly packageCache: string;
};

/**
 * While the packages install, update-initramfs is diverted to a no-op: the kernel's hook and the
 * package's trigger each built Debian's initramfs of every module (most of mmdebstrap's time),
 * which the image then deleted for its own initrd, and
 * which the LTSP flavour makes once, after its modules are trimmed. The customize hook puts the
 * real one back.
 */
const updateInitramfs = '/usr/sbin/update-initramfs';
const divert = `dpkg-divert --root "$1" --local --rename --divert ${updateInitramfs}.vdd-build`;
const initramfsSkipped = [
  `--essential-hook=${divert} --add ${updateInitramfs} && ln -s /bin/true "$1"${updateInitramfs}`,
  `--customize-hook=rm "$1"${updateInitramfs} && ${divert} --remove ${updateInitramfs}`,
];

export function mmdebstrapArgs(spec: ImageSpec, paths: RootPaths): string[] {
  const { debian } = spec;
  return [
    `--variant=${debian.variant}`,
    `--architectures=${debian.architecture}`,
    '--mode=root',
    '--format=directory',
    // Keep the essential packages' .debs so sync-out can cache them too.
    '--skip=essential/unlink',
    ...spec.excludePaths.map((glob) => `--dpkgopt=path-exclude=${glob}`),
    ...spec.includePaths.map((glob) => `--dpkgopt=path-include=${glob}`),
    '--aptopt=APT::Install-Recommends "false"',
    `--include=${spec.packages.join(',')}`,
    '--setup-hook=mkdir -p "$1"/var/cache/apt/archives/',
    `--setup-hook=sync-in ${paths.packageCache} /var/cache/apt/archives/`,
    `--customize-hook=sync-out /var/cache/apt/archives ${paths.packageCache}`,
    ...initramfsSkipped,
    debian.suite,
    paths.root,
    debian.mirror,
  ];
}
