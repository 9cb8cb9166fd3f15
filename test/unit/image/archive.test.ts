import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { bootMarker, markerInitrd } from '../../../image/boot/marker-initrd.ts';
import { newcArchive } from '../../../image/boot/newc-archive.ts';

describe('newc archive', () => {
  it('is read back by cpio with names, types and contents', () => {
    const archive = newcArchive([
      { name: 'bin', mode: 0o755 },
      { name: 'bin/hello', mode: 0o755, data: Buffer.from('hi\n') },
      { name: 'lib', mode: 0o777, linkTarget: 'usr/lib' },
    ]);
    const listing = spawnSync('cpio', ['-itv', '--quiet'], { input: archive, encoding: 'utf8' });
    expect(listing.status, listing.stderr).toBe(0);
    expect(listing.stdout).toMatch(/^drwxr-xr-x .* bin\n-rwxr-xr-x .* 3 .* bin\/hello\nlrwxrwxrwx .* lib -> usr\/lib\n$/);
  });

  it('the marker initrd has busybox and an init that prints the marker', () => {
    const listing = spawnSync('cpio', ['-it', '--quiet'], { input: markerInitrd(), encoding: 'utf8' });
    expect(listing.stdout.split('\n')).toEqual(expect.arrayContaining(['bin/busybox', 'init']));
    const extracted = spawnSync('cpio', ['-i', '--quiet', '--to-stdout', 'init'], { input: markerInitrd(), encoding: 'utf8' });
    expect(extracted.stdout).toContain(`echo ${bootMarker} > /dev/ttyS0`);
  });
});
