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
 * "monotonic=SECONDS busy=SECONDS user=SECONDS system=SECONDS": CLOCK_MONOTONIC (process.hrtime's
 * clock), the processor time spent neither idle nor waiting for I/O since the kernel started
 * (/proc/stat), and this process's own user and kernel time (/proc/self/stat: the kernel's share is
 * mostly reading the binary's pages from the root), all in USER_HZ (100) ticks.
 */
function firstFrameClock(): string {
  const monotonic = (Number(process.hrtime.bigint() / 1000n) / 1e6).toFixed(6);
  const seconds = (ticks: number) => (ticks / 100).toFixed(2);
  try {
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0] = (readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '')
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const own = readFileSync('/proc/self/stat', 'utf8');
    // Fields after the command name, which may hold spaces: state is field 3, utime 14, stime 15.
    const fields = own
      .slice(own.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    return `monotonic=${monotonic} busy=${seconds(user + nice + system + irq + softirq)} user=${seconds(fields[11] ?? 0)} system=${seconds(fields[12] ?? 0)}`;
  } catch {
    // Not Linux: the monotonic clock alone.
    return `monotonic=${monotonic}`;
  }
}
