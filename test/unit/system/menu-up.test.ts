// The menu-up mark: the image's helpers act as soon as it exists, so it appears whole, once.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { markMenuUp } from '../../../launcher/system/menu-up.ts';
import { useTempDir } from '../../support/temp-dir.ts';

const dir = useTempDir('vdd-menu-up-');

describe('markMenuUp', () => {
  it("writes the first frame's clock whole, keeps the first launcher's and leaves nothing else", () => {
    const cache = join(dir, 'cache');
    markMenuUp(cache);
    const first = readFileSync(join(cache, 'menu-up'), 'utf8');
    expect(first).toMatch(/^monotonic=\d+\.\d{6} busy=\d+\.\d{2} user=\d+\.\d{2} system=\d+\.\d{2}\n$/);
    markMenuUp(cache);
    expect(readFileSync(join(cache, 'menu-up'), 'utf8')).toBe(first);
    expect(readdirSync(cache)).toEqual(['menu-up']);
  });

  it('is best effort where the cache cannot be written', () => {
    expect(() => markMenuUp('/proc/vdd-cannot-exist')).not.toThrow();
  });
});
