// The site's vdd.conf: checked with the launcher's own parser and key schema before anything is
// written, then copied into the flashed disk's FAT partition (mtools, no mount) and read back.
import { closeSync, fsyncSync, openSync, readFileSync, readSync } from 'node:fs';
import { runTool } from '../../common/process/run-tool.ts';
import { configFileProblems } from '../../common/launcher-config/check-file.ts';
import { formatProblem } from '../../common/launcher-config/source.ts';
import { stripControls } from '../../common/text/terminal-safe.ts';
import { isFatType, mbrPartition } from './mbr.ts';

/** mtools checks FAT geometry against the partition table; the offset form has none to match. */
const mtoolsEnv = { ...process.env, MTOOLS_SKIP_CHECK: '1' };

export function checkSiteConfig(path: string): void {
  const problems = configFileProblems(path);
  if (problems.length > 0) {
    throw new Error(
      `--config ${path} is not valid, so nothing was written:\n${problems.map((problem) => `  ${stripControls(formatProblem(problem))}`).join('\n')}`,
    );
  }
}

/** Byte offset of the FAT partition (partition 1) in the image, from its partition table. */
export function configPartitionOffset(image: string): number {
  const handle = openSync(image, 'r');
  const sector = Buffer.alloc(512);
  try {
    readSync(handle, sector);
  } finally {
    closeSync(handle);
  }
  const partition = mbrPartition(sector, 1);
  if (partition === undefined || !isFatType(partition.type)) throw new Error(`${image} has no FAT partition 1 (VDDBOOT) to put vdd.conf in`);
  return partition.offsetBytes;
}

export function writeSiteConfig(target: string, offset: number, config: string): void {
  const fat = `${target}@@${offset}`;
  runTool('mcopy', ['-o', '-i', fat, config, '::/vdd.conf'], { env: mtoolsEnv });
  const device = openSync(target, 'r+');
  try {
    fsyncSync(device);
  } finally {
    closeSync(device);
  }
  const readBack = runTool('mcopy', ['-i', fat, '::/vdd.conf', '-'], { env: mtoolsEnv });
  if (readBack !== readFileSync(config, 'utf8')) throw new Error(`vdd.conf read back from ${target} differs from ${config}`);
}
