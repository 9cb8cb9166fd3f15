// The LTSP flavour's initrd: Debian's initramfs-tools in the root makes it (its configuration is
// in the flavour's overlay: netboot modules, zstd) from the trimmed module tree, into /boot where
// LTSP's `ltsp kernel` takes it from; a copy is the version's initrd.img.
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { rootDir, type BuildContext } from './context.ts';
import { runLogged } from './run-logged.ts';

export async function makeLtspInitramfs(context: BuildContext, kernel: string): Promise<void> {
  const root = rootDir(context);
  const initrd = `boot/initrd.img-${kernel}`;
  if (!existsSync(join(root, 'usr/sbin/mkinitramfs')))
    throw new Error('the root has no mkinitramfs: the LTSP flavour needs initramfs-tools in packages and out of purgePackages');
  await runLogged(context.progress, 'chroot', [root, 'mkinitramfs', '-o', `/${initrd}`, kernel]);
  // mkinitramfs copies each program's libraries as ldd lists them, and says nothing when it
  // cannot run ldd (a bash script): an initramfs whose programs all fail with "not found".
  const files = await runLogged(context.progress, 'chroot', [root, 'lsinitramfs', `/${initrd}`], { captureStdout: true });
  if (!/(^|\n)usr\/lib\/x86_64-linux-gnu\/libc\.so\.6(\n|$)/.test(files))
    throw new Error(
      `${initrd} has no C library: mkinitramfs found no libraries (its ldd is a bash script: keep bash, and the packages ldd needs, out of purgePackages)`,
    );
  context.progress.note(`${files.split('\n').filter((line) => line !== '').length} files in ${initrd}`);
  copyFileSync(join(root, initrd), join(context.outDir, 'initrd.img'));
}
