// Benchmark: vdd-image flash's write (O_DIRECT, 4 MiB chunks, fdatasync) and read-back verify
// throughput on a loop device with a 256 MiB disk image, next to dd writing the same image with
// O_DIRECT as a reference. Needs root and loop devices.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { flashImage } from '../image/flash/flash.ts';
import { makeSyntheticDisk } from '../test/support/synthetic-disk.ts';
import { median } from './stats.ts';

const mib = 1024 * 1024;
const round = (value: number) => Math.round(value * 10) / 10;

export async function benchFlash(work: string, imageMiB = 256, runs = 3) {
  if (process.getuid?.() !== 0 || !existsSync('/dev/loop-control')) return { skipped: 'needs root and loop devices' };
  const image = join(work, 'flash-bench.img');
  const backing = join(work, 'flash-bench.backing');
  makeSyntheticDisk(image, imageMiB);
  writeFileSync(backing, '');
  truncateSync(backing, (imageMiB + 16) * mib);
  const attach = spawnSync('losetup', ['--find', '--show', backing], { encoding: 'utf8' });
  if (attach.status !== 0) return { skipped: `losetup --find --show failed: ${attach.stderr.trim()}` };
  const loop = attach.stdout.trim();
  try {
    const write: number[] = [];
    const verify: number[] = [];
    const total: number[] = [];
    const dd: number[] = [];
    const quiet = { write: () => true };
    for (let run = 0; run < runs; run++) {
      const started = performance.now();
      const report = await flashImage({
        image: { path: image, bytes: imageMiB * mib, manifestSha256: undefined },
        target: { kind: 'device', path: loop },
        config: undefined,
        force: false,
        output: quiet,
      });
      total.push(report.bytes / 1e6 / ((performance.now() - started) / 1000));
      write.push(report.writeMBps);
      verify.push(report.verifyMBps);
      const ddStarted = performance.now();
      const ddRun = spawnSync('dd', [`if=${image}`, `of=${loop}`, 'bs=4M', 'oflag=direct', 'conv=fsync', 'status=none']);
      if (ddRun.status !== 0) throw new Error(`dd: exit status ${ddRun.status}: ${ddRun.stderr.toString()}`);
      dd.push((imageMiB * mib) / 1e6 / ((performance.now() - ddStarted) / 1000));
    }
    return {
      imageMiB,
      runs,
      writeMBps: round(median(write)),
      verifyMBps: round(median(verify)),
      flashAndVerifyMBps: round(median(total)),
      ddDirectWriteMBps: round(median(dd)),
    };
  } finally {
    spawnSync('losetup', ['--detach', loop]);
    rmSync(backing, { force: true });
    rmSync(image, { force: true });
  }
}
