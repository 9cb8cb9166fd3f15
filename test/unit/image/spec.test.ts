import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mksquashfsArgs } from '../../../image/build/squashfs.ts';
import { mmdebstrapArgs } from '../../../image/plan/debian-root.ts';
import { loadSpec, parseSpec, SpecError } from '../../../image/spec/load.ts';
import { useTempDir } from '../../support/temp-dir.ts';

const specFile = new URL('../../../image/vdd-thin.json', import.meta.url);
const specText = readFileSync(specFile, 'utf8');
const dir = useTempDir();

function withChange(change: (spec: Record<string, unknown>) => void): string {
  const spec = JSON.parse(specText) as Record<string, unknown>;
  change(spec);
  return JSON.stringify(spec);
}

function problemsOf(text: string): readonly string[] {
  try {
    parseSpec(text, 'test.json');
  } catch (error) {
    if (error instanceof SpecError) return error.problems;
    throw error;
  }
  return [];
}

describe('image spec', () => {
  it('the shipped spec is valid and describes the image the issue asks for', () => {
    const spec = parseSpec(specText, 'vdd-thin.json');
    expect(spec.packages).toEqual(expect.arrayContaining(['linux-image-amd64', 'busybox-static', 'xserver-xorg-core', 'xnest', 'tigervnc-viewer']));
    expect(spec.packages).toContain('usr-is-merged');
    expect(spec.purgePackages).toEqual(expect.arrayContaining(['perl', 'usrmerge', 'libllvm15', 'libgl1-mesa-dri']));
    expect(spec.users).toEqual([expect.objectContaining({ name: 'vdd', uid: 1000 })]);
    expect(spec.files).toContainEqual({ source: '../dist/vdd-launcher', target: '/usr/bin/vdd-launcher', mode: '0755' });
    expect(spec.payloadBudgetMiB).toBe(80);
    expect(spec.kernel.parameters).toContain('console=ttyS0,115200');
  });

  it('declares the LTSP flavour once, as what differs: systemd, initramfs-tools, /boot kept, a vdd user that ltsp image keeps', () => {
    const base = loadSpec(fileURLToPath(specFile)).spec;
    const ltsp = loadSpec(fileURLToPath(specFile), 'ltsp').spec;
    expect(base.boot).toBe('vdd');
    expect(ltsp.boot).toBe('ltsp');
    expect(ltsp.packages).toEqual(expect.arrayContaining([...base.packages, 'systemd-sysv', 'initramfs-tools']));
    expect(ltsp.purgePackages).not.toContain('initramfs-tools-core');
    expect(ltsp.purgePackages).not.toContain('linux-base');
    expect(ltsp.purgePackages).toContain('perl');
    expect(ltsp.removePaths).not.toContain('/boot/*');
    expect(ltsp.kernel.modules).toEqual(expect.arrayContaining([...base.kernel.modules, 'fs/nfs/*']));
    expect(ltsp.users[0]?.uid).toBeLessThan(1000);
    expect(ltsp.flavors).toBeUndefined();
    // Everything else is the same spec.
    expect({ ...ltsp, boot: 0, description: 0, packages: 0, purgePackages: 0, removePaths: 0, kernel: 0, overlays: 0, users: 0, payloadBudgetMiB: 0 }).toEqual({
      ...base,
      flavors: undefined,
      boot: 0,
      description: 0,
      packages: 0,
      purgePackages: 0,
      removePaths: 0,
      kernel: 0,
      overlays: 0,
      users: 0,
      payloadBudgetMiB: 0,
    });
  });

  it('refuses an unknown flavour, and a flavour that keeps what the spec never purges or removes', () => {
    const path = join(dir, 'flavoured.json');
    writeFileSync(path, specText);
    expect(() => loadSpec(path, 'thinstation')).toThrow(/no flavour "thinstation" \(the spec has: ltsp\)/);
    writeFileSync(
      path,
      withChange((spec) => {
        const flavor = (spec.flavors as Record<string, Record<string, unknown>>).ltsp!;
        flavor.keepPackages = ['initramfs-tools', 'no-such-package'];
        flavor.keepPaths = ['/nowhere/*'];
      }),
    );
    expect(() => loadSpec(path, 'ltsp')).toThrow(SpecError);
    try {
      loadSpec(path, 'ltsp');
    } catch (error) {
      expect((error as SpecError).problems).toEqual([
        'flavors.ltsp.keepPackages.1: no-such-package is not in purgePackages',
        'flavors.ltsp.keepPaths.0: /nowhere/* is not in removePaths',
      ]);
    }
  });

  it('names the file and the field of every problem', () => {
    const problems = problemsOf(
      withChange((spec) => {
        spec.packages = ['Not A Package'];
        (spec.kernel as Record<string, unknown>).parameters = ['quiet', 'vdd.x="a b"'];
        spec.users = [{ name: 'vdd', uid: 0, groups: [], home: '/home/vdd', shell: '/bin/sh' }];
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^packages\.0: must be a Debian package name/),
        expect.stringMatching(/^kernel\.parameters\.1: must be KEY or KEY=VALUE without spaces/),
        expect.stringMatching(/^users\.0\.uid: /),
      ]),
    );
  });

  it('takes a squashfs compression level only where mksquashfs has one', () => {
    const squashfs = (values: Record<string, unknown>) => withChange((spec) => Object.assign(spec.squashfs as Record<string, unknown>, values));
    expect(problemsOf(squashfs({ compression: 'zstd', level: 22 }))).toEqual([]);
    expect(problemsOf(squashfs({ compression: 'gzip', level: 9 }))).toEqual([]);
    expect(problemsOf(squashfs({ compression: 'gzip', level: 19 }))).toEqual([
      expect.stringMatching(/^squashfs\.level: level applies to zstd \(1-22\) and gzip \(1-9\) only/),
    ]);
    expect(problemsOf(squashfs({ compression: 'xz', level: 6 }))).toEqual([expect.stringMatching(/^squashfs\.level: /)]);
    expect(mksquashfsArgs('/r', '/o', 'zstd', 1024, 19)).toEqual(expect.arrayContaining(['-b', '1024K', '-comp', 'zstd', '-Xcompression-level', '19']));
    expect(mksquashfsArgs('/r', '/o', 'xz', 256)).toEqual(expect.arrayContaining(['-comp', 'xz', '-Xbcj', 'x86']));
  });

  it('diverts update-initramfs during the install for every flavour (the LTSP flavour makes its initramfs after trimming the modules)', () => {
    const paths = { root: '/r', packageCache: '/c' };
    const image = mmdebstrapArgs(parseSpec(specText, 'vdd-thin.json'), paths);
    const hooks = image.filter((arg) => arg.includes('update-initramfs'));
    expect(hooks).toEqual([
      expect.stringMatching(/^--essential-hook=dpkg-divert .*--add \/usr\/sbin\/update-initramfs && ln -s \/bin\/true /),
      expect.stringMatching(/^--customize-hook=rm .* --remove \/usr\/sbin\/update-initramfs$/),
    ]);
    // The real one is back before the root is handed on; the suite and paths stay last.
    expect(image.slice(-3)).toEqual(['bookworm', '/r', 'http://deb.debian.org/debian']);
    expect(mmdebstrapArgs(loadSpec(fileURLToPath(specFile), 'ltsp').spec, paths).filter((arg) => arg.includes('update-initramfs'))).toEqual(hooks);
  });

  it('refuses unknown fields, so a typo never silently does nothing', () => {
    expect(problemsOf(withChange((spec) => (spec.pakages = ['x'])))).toEqual([expect.stringMatching(/Unrecognized key.*pakages/)]);
  });

  it('refuses image paths that climb out of the root and absolute host paths', () => {
    const problems = problemsOf(
      withChange((spec) => {
        spec.files = [{ source: '/etc/shadow', target: '/usr/../etc/x', mode: '0755' }];
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/^files\.0\.source: must be relative/), expect.stringMatching(/^files\.0\.target: must not contain/)]),
    );
  });

  it('says when the file is not JSON or cannot be read', () => {
    expect(problemsOf('{ "name": ')).toEqual([expect.stringMatching(/^not valid JSON/)]);
    expect(() => loadSpec(join(dir, 'absent.json'))).toThrow(/absent\.json: invalid image spec:\n {2}cannot read: no such file/);
  });

  it('loads a file and resolves relative paths against its directory', () => {
    const path = join(dir, 'spec.json');
    writeFileSync(path, specText);
    const loaded = loadSpec(path);
    expect(loaded.baseDir).toBe(dir);
    expect(loaded.spec.name).toBe('vdd-thin');
  });
});
