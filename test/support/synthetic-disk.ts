// A small disk image laid out like vdd-thin.img (MBR, FAT "VDDBOOT" partition 1 at 1 MiB, two
// root slots) with random bytes in slot A, made the way the image build makes it (sfdisk,
// mkfs.fat --offset), for flash tests and benchmarks that do not need the built image.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { diskLayout, sectorBytes, sfdiskScript, type DiskLayout } from '../../image/plan/disk-layout.ts';

const mib = 1024 * 1024;

export function makeSyntheticDisk(path: string, sizeMiB: number): DiskLayout {
  const bootMiB = 4;
  const slotMiB = Math.floor((sizeMiB - 1 - bootMiB) / 2);
  if (slotMiB < 1) throw new Error(`a synthetic disk needs at least 7 MiB, not ${sizeMiB}`);
  // The image's own layout with small partitions; an odd MiB left over stays unpartitioned at the end.
  const layout: DiskLayout = { ...diskLayout({ bootPartitionMiB: bootMiB, rootSlotMiB: slotMiB }, slotMiB * mib), size: sizeMiB * mib };
  const { boot, slotA } = layout;
  writeFileSync(path, '');
  truncateSync(path, layout.size);
  run('sfdisk', ['--quiet', '--no-reread', '--no-tell-kernel', path], sfdiskScript(layout));
  const bootSector = boot.offset / sectorBytes;
  run('mkfs.fat', ['-n', 'VDDBOOT', '-h', String(bootSector), `--offset=${bootSector}`, path, String(boot.size / 1024)]);
  const disk = openSync(path, 'r+');
  try {
    for (let position = slotA.offset; position < slotA.offset + slotA.size; position += mib) writeSync(disk, randomBytes(mib), 0, mib, position);
  } finally {
    closeSync(disk);
  }
  return layout;
}

function run(command: string, args: readonly string[], input?: string): void {
  const result = spawnSync(command, args, { encoding: 'utf8', input });
  if (result.status !== 0)
    throw new Error(`${[command, ...args].join(' ')}: exit status ${result.status ?? result.signal}\n${result.stderr}${result.error?.message ?? ''}`);
}
