import { copyFileSync, existsSync, mkdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configuredLibraryDirs, libraryClosure, librarySearchPath, missingLibraries, parseReadelfDynamic } from '../../../image/build/elf-libraries.ts';
import { missingLibrariesMessage } from '../../../image/build/trim.ts';
import { BuildProgress } from '../../../image/build/progress.ts';
import { announceSkip } from '../../support/skip-reason.ts';
import { useTempDir } from '../../support/temp-dir.ts';

const noEntries = { needed: [], rpath: [], runpath: [] };

describe('readelf -d output', () => {
  it('gives the NEEDED libraries and the RPATH and RUNPATH of each file', () => {
    const text = [
      '',
      'File: /r/usr/bin/a',
      '',
      'Dynamic section at offset 0x2d90 contains 2 entries:',
      '  Tag        Type                         Name/Value',
      ' 0x0000000000000001 (NEEDED)             Shared library: [libz.so.1]',
      ' 0x0000000000000001 (NEEDED)             Shared library: [libc.so.6]',
      '',
      'File: /r/usr/bin/journalctl',
      ' 0x0000000000000001 (NEEDED)             Shared library: [libsystemd-shared-252.so]',
      ' 0x000000000000001d (RUNPATH)            Library runpath: [/usr/lib/x86_64-linux-gnu/systemd]',
      '',
      'File: /r/opt/app/bin/app',
      ' 0x000000000000000f (RPATH)              Library rpath: [$ORIGIN/../lib:/opt/shared]',
      '',
      'File: /r/usr/bin/static',
      '',
      'There is no dynamic section in this file.',
    ].join('\n');
    expect(parseReadelfDynamic(text)).toEqual(
      new Map([
        ['/r/usr/bin/a', { needed: ['libz.so.1', 'libc.so.6'], rpath: [], runpath: [] }],
        ['/r/usr/bin/journalctl', { needed: ['libsystemd-shared-252.so'], rpath: [], runpath: ['/usr/lib/x86_64-linux-gnu/systemd'] }],
        ['/r/opt/app/bin/app', { needed: [], rpath: ['$ORIGIN/../lib', '/opt/shared'], runpath: [] }],
        ['/r/usr/bin/static', noEntries],
      ]),
    );
  });
});

describe('library search path', () => {
  it('puts RUNPATH before the default directories', () => {
    expect(librarySearchPath('usr/bin/journalctl', { ...noEntries, runpath: ['/usr/lib/x86_64-linux-gnu/systemd'] })).toEqual([
      'usr/lib/x86_64-linux-gnu/systemd',
      'usr/lib/x86_64-linux-gnu',
      'usr/lib',
      'usr/lib64',
    ]);
  });

  it('expands $ORIGIN, ${ORIGIN}, $LIB and $PLATFORM relative to the file inside the root', () => {
    const path = librarySearchPath('opt/app/bin/app', { ...noEntries, runpath: ['$ORIGIN/../lib', '${ORIGIN}/plugins', '/opt/$LIB', '/opt/$PLATFORM'] });
    expect(path.slice(0, 4)).toEqual(['opt/app/lib', 'opt/app/bin/plugins', 'opt/lib/x86_64-linux-gnu', 'opt/x86_64']);
  });

  it('ignores RPATH when RUNPATH is present, as the loader does, and uses it otherwise', () => {
    expect(librarySearchPath('usr/bin/x', { needed: [], rpath: ['/old'], runpath: ['/new'] })[0]).toBe('new');
    expect(librarySearchPath('usr/bin/x', { needed: [], rpath: ['/old'], runpath: [] })[0]).toBe('old');
  });

  it('stops ".." at the root, as the kernel does, and drops entries relative to the working directory', () => {
    expect(librarySearchPath('usr/bin/x', { ...noEntries, runpath: ['$ORIGIN/../../../..', 'lib', '/usr/../../etc'] })).toEqual([
      '',
      'etc',
      'usr/lib/x86_64-linux-gnu',
      'usr/lib',
      'usr/lib64',
    ]);
  });

  it("reads the root's ld.so.conf.d directories", () => {
    const root = useTempDir('vdd-ldconf-');
    mkdirSync(join(root, 'etc/ld.so.conf.d'), { recursive: true });
    writeFileSync(join(root, 'etc/ld.so.conf.d/x86_64-linux-gnu.conf'), '# Multiarch support\n/usr/local/lib/x86_64-linux-gnu\n/lib/x86_64-linux-gnu/\n');
    writeFileSync(join(root, 'etc/ld.so.conf.d/ignored.txt'), '/nowhere\n');
    expect(configuredLibraryDirs(root)).toEqual(['usr/local/lib/x86_64-linux-gnu', 'lib/x86_64-linux-gnu']);
  });
});

describe('the trimmed root check on a real program with a RUNPATH (journalctl)', () => {
  const root = useTempDir('vdd-runpath-root-');
  const progress = new BuildProgress(join(root, 'build.log'), { write: () => true }, 1);
  const journalctl = 'usr/bin/journalctl';
  const reason = announceSkip(
    'the RUNPATH check on journalctl',
    existsSync(`/${journalctl}`) ? undefined : 'journalctl is not installed here (Debian package systemd)',
  );

  it.skipIf(reason)("copies journalctl's libraries, libsystemd-shared through its RUNPATH, and reports it once it is gone", async () => {
    const libraries = await libraryClosure(progress, '/', [journalctl]);
    const shared = libraries.find((path) => /\/systemd\/libsystemd-shared-[0-9]+\.so$/.test(path));
    expect(shared).toBeDefined();
    // Where each file really is (this machine's ld.so.conf.d may name /lib, a link into /usr).
    const located = (path: string) => join(realpathSync(join('/', path, '..')), basename(path));
    for (const path of [journalctl, ...libraries].map(located)) {
      mkdirSync(join(root, path, '..'), { recursive: true });
      copyFileSync(path, join(root, path));
    }
    expect(await missingLibraries(progress, root)).toEqual([]);
    rmSync(join(root, located(shared!)));
    expect(await missingLibraries(progress, root)).toEqual([`/${journalctl} needs ${shared!.split('/').pop()}`]);
  });
});

describe('the message of a root that misses libraries', () => {
  const missing = Array.from({ length: 32 }, (_, n) => `/usr/bin/tool${n} needs libgone.so.${n}`);

  it('points at the spec for a Debian root, and lists 30 of them with the count of the rest', () => {
    const message = missingLibrariesMessage(missing, undefined);
    expect(message).toMatch(/^the trimmed root misses libraries \(check purgePackages and removePaths in the spec\):\n {2}\/usr\/bin\/tool0 needs/);
    expect(message).toContain('tool29 needs');
    expect(message).not.toContain('tool30 needs');
    expect(message).toMatch(/\.\.\. and 2 more$/);
  });

  it('says a root made elsewhere is not purged by the build', () => {
    expect(missingLibrariesMessage(missing.slice(0, 1), '/srv/gentoo-root')).toBe(
      'the trimmed root misses libraries (--from-root /srv/gentoo-root is not purged by the build: remove what the image never runs from it first, or check removePaths in the spec):\n  /usr/bin/tool0 needs libgone.so.0',
    );
  });
});
