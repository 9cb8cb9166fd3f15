// The Gentoo recipe of the same image: Portage files and the commands a Gentoo build host runs.
// `vdd-image build --backend gentoo --plan` prints it; the squashfs, initrd, iPXE and disk steps are shared.
import type { ImageSpec } from '../spec/schema.ts';

export type GentooRecipe = {
  readonly files: { readonly path: string; readonly text: string }[];
  readonly commands: string[][];
};

export function gentooRecipe(spec: ImageSpec, root: string): GentooRecipe {
  const { gentoo } = spec;
  const makeConf = Object.entries(gentoo.makeConf).map(([name, value]) => `${name}="${value}"`);
  const packageUse = Object.entries(gentoo.use).map(([atom, flags]) => `${atom} ${flags.join(' ')}`);
  return {
    files: [
      { path: `${root}/etc/portage/make.conf`, text: `${makeConf.join('\n')}\n` },
      { path: `${root}/etc/portage/package.use/vdd-thin`, text: `${packageUse.join('\n')}\n` },
      { path: `${root}/var/lib/portage/world`, text: `${gentoo.packages.join('\n')}\n` },
      { path: `${root}/etc/kernel/config.d/vdd-thin.config`, text: `${gentoo.kernelConfig.join('\n')}\n` },
    ],
    commands: [
      ['eselect', 'profile', 'set', gentoo.profile],
      ['emerge', '--root', root, '--config-root', root, '--usepkg', '--buildpkg', '--oneshot', '--noreplace', ...gentoo.packages],
      ['emerge', '--root', root, '--config-root', root, '--depclean'],
      ['vdd-image', 'build', '--from-root', root],
    ],
  };
}
