import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { bootMarker, markerInitrd } from '../../../image/boot/marker-initrd.ts';
import { newcArchive } from '../../../image/boot/newc-archive.ts';
import { parseReadelfNeeded } from '../../../image/build/elf-libraries.ts';

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

describe('readelf output', () => {
  it('gives the NEEDED libraries of each file', () => {
    const text = [
      '',
      'File: /r/usr/bin/a',
      '',
      'Dynamic section at offset 0x2d90 contains 2 entries:',
      '  Tag        Type                         Name/Value',
      ' 0x0000000000000001 (NEEDED)             Shared library: [libz.so.1]',
      ' 0x0000000000000001 (NEEDED)             Shared library: [libc.so.6]',
      '',
      'File: /r/usr/bin/static',
      '',
      'There is no dynamic section in this file.',
    ].join('\n');
    expect(parseReadelfNeeded(text)).toEqual(
      new Map([
        ['/r/usr/bin/a', ['libz.so.1', 'libc.so.6']],
        ['/r/usr/bin/static', []],
      ]),
    );
  });
});
