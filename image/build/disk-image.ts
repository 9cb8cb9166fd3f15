// vdd-thin.img without loop devices: a sparse file, an MBR partition table (sfdisk), the FAT
// partition (mkfs.fat --offset, mtools) with syslinux for BIOS and systemd-boot for UEFI, the
// kernel and initrd of slot A, vdd.conf for refurbishers, and root.squashfs in partition 2.
import {
  closeSync,
  copyFileSync,
  createReadStream,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { diskLayout, sectorBytes, sfdiskScript, type DiskLayout } from '../plan/disk-layout.ts';
import { diskSlots, syslinuxConfig, systemdBootEntry, systemdBootLoaderConf } from '../plan/kernel-command-line.ts';
import type { BuildContext } from './context.ts';
import { runLogged } from './run-logged.ts';

export const bootLoaderFiles = {
  mbr: '/usr/lib/syslinux/mbr/mbr.bin',
  systemdBoot: '/usr/lib/systemd/boot/efi/systemd-bootx64.efi',
} as const;

export async function makeDiskImage(context: BuildContext, rootImageSize: number): Promise<DiskLayout> {
  const { spec, version, outDir } = context;
  const layout = diskLayout(spec.disk, rootImageSize);
  const image = join(outDir, 'vdd-thin.img');
  writeFileSync(image, '');
  truncateSync(image, layout.size);
  await runLogged(context.progress, 'sfdisk', ['--quiet', '--no-reread', '--no-tell-kernel', image], { input: sfdiskScript(layout) });
  const bootSector = layout.boot.offset / sectorBytes;
  await runLogged(context.progress, 'mkfs.fat', ['-n', 'VDDBOOT', '-h', String(bootSector), `--offset=${bootSector}`, image, String(layout.boot.size / 1024)]);

  const staging = join(context.workDir, 'boot-partition');
  rmSync(staging, { recursive: true, force: true });
  for (const dir of ['a', 'syslinux', 'EFI/BOOT', 'loader/entries']) mkdirSync(join(staging, dir), { recursive: true });
  copyFileSync(join(outDir, 'vmlinuz'), join(staging, 'a/vmlinuz'));
  copyFileSync(join(outDir, 'initrd.img'), join(staging, 'a/initrd.img'));
  writeFileSync(join(staging, 'syslinux/syslinux.cfg'), syslinuxConfig(spec, version, 'a'));
  copyFileSync(bootLoaderFiles.systemdBoot, join(staging, 'EFI/BOOT/BOOTX64.EFI'));
  writeFileSync(join(staging, 'loader/loader.conf'), systemdBootLoaderConf('a'));
  // Both slots' entries: an A/B update fills b/ and switches loader.conf's default, nothing else.
  for (const slot of diskSlots) writeFileSync(join(staging, `loader/entries/vdd-${slot}.conf`), systemdBootEntry(spec, version, slot));
  copyFileSync(join(context.baseDir, spec.disk.config), join(staging, 'vdd.conf'));
  writeFileSync(join(staging, 'vdd-version.txt'), `${spec.name} ${version}\n`);
  const fat = `${image}@@${layout.boot.offset}`;
  await runLogged(context.progress, 'mcopy', ['-s', '-i', fat, ...readdirSync(staging).map((name) => join(staging, name)), '::/'], {
    env: { ...process.env, MTOOLS_SKIP_CHECK: '1' },
  });
  await runLogged(context.progress, 'syslinux', ['--install', '--offset', String(layout.boot.offset), '--directory', '/syslinux', image]);

  const disk = openSync(image, 'r+');
  try {
    writeSync(disk, readFileSync(bootLoaderFiles.mbr).subarray(0, 440), 0, 440, 0);
    let position = layout.slotA.offset;
    for await (const chunk of createReadStream(join(outDir, 'root.squashfs'), { highWaterMark: 4 * 1024 * 1024 })) {
      const buffer = chunk as Buffer;
      writeSync(disk, buffer, 0, buffer.length, position);
      position += buffer.length;
    }
  } finally {
    closeSync(disk);
  }
  return layout;
}
