// Marks the menu as drawn for the image's boot helpers, which wait for it: udev's device probing
// and the serial console's prompt start only then, so a one-core PC spends its first seconds on the
// menu. Reads config key cache_dir (the image's helpers look in /run/vdd, its default).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeDirectory } from '../../common/io/make-directory.ts';

/** Best effort: outside the image nothing waits for it, and an unusable cache_dir is reported where the cache is written. */
export function markMenuUp(cacheDir: string): void {
  try {
    makeDirectory(cacheDir);
    writeFileSync(join(cacheDir, 'menu-up'), '', { flag: 'a' });
  } catch {
    // Nothing waits in vain: the helpers wait at most a minute.
  }
}
