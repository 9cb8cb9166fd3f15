// Marks the menu as drawn for the image's boot helpers, which wait for it: udev's device probing
// and the serial console's prompt start only then, so a one-core PC spends its first seconds on the
// menu. The file holds the kernel's monotonic clock and idle time at the first frame, for the
// image's boot-time report. Reads config key cache_dir (the image's helpers look in /run/vdd, its default).
import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeDirectory } from '../../common/io/make-directory.ts';

/** Best effort: outside the image nothing waits for it, and an unusable cache_dir is reported where the cache is written. */
export function markMenuUp(cacheDir: string): void {
  try {
    makeDirectory(cacheDir);
    // Whole or not at all: the helpers act as soon as the name exists, and the first launcher's
    // frame (the screen's, before the serial console's) is the one the report names.
    const written = join(cacheDir, `menu-up.${process.pid}`);
    writeFileSync(written, `${firstFrameClock()}\n`);
    try {
      linkSync(written, join(cacheDir, 'menu-up'));
    } catch {
      // Another launcher's frame came first.
    } finally {
      rmSync(written, { force: true });
    }
  } catch {
    // Nothing waits in vain: the helpers wait at most a minute.
  }
}

/**
 * "monotonic=SECONDS busy=SECONDS": CLOCK_MONOTONIC (process.hrtime's clock) and the processor
 * time spent neither idle nor waiting for I/O since the kernel started (/proc/stat, USER_HZ 100).
 */
function firstFrameClock(): string {
  const monotonic = (Number(process.hrtime.bigint() / 1000n) / 1e6).toFixed(6);
  try {
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0] = (readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '')
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    return `monotonic=${monotonic} busy=${((user + nice + system + irq + softirq) / 100).toFixed(2)}`;
  } catch {
    // Not Linux: the monotonic clock alone.
    return `monotonic=${monotonic}`;
  }
}
