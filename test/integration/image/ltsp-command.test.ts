// vdd-image ltsp against a small LTSP flavour version (a real squashfs, unpacked by unsquashfs) and
// a server's ltsp.conf in a temporary directory: what it installs, prints and edits, and what it
// refuses before installing anything. The whole path on a stock LTSP server is test/e2e/ltsp-boot.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeArtifacts, payloadBytes, writeManifest, type Manifest } from '../../../common/manifest/manifest.ts';
import { checkLtspConf, mergeLtspConf, wantedKeys } from '../../../image/ltsp/ltsp-conf-plan.ts';
import { makeFakeVersion } from '../../support/fake-version.ts';
import { announceSkip, missingTools } from '../../support/skip-reason.ts';
import { useTempDir } from '../../support/temp-dir.ts';

const program = new URL('../../../bin/vdd-image.js', import.meta.url).pathname;
const work = useTempDir('vdd-ltsp-command-');

async function makeLtspVersion(dir: string): Promise<void> {
  const tree = `${dir}.tree`;
  mkdirSync(join(tree, 'etc/vdd'), { recursive: true });
  writeFileSync(join(tree, 'etc/vdd/image-version'), 'vdd-thin 1.0\n');
  writeFileSync(join(tree, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\nvdd:x:900:900::/home/vdd:/usr/sbin/nologin\n');
  mkdirSync(dir, { recursive: true });
  execFileSync('mksquashfs', [tree, join(dir, 'root.squashfs'), '-noappend', '-quiet', '-no-progress']);
  writeFileSync(join(dir, 'vmlinuz'), 'kernel');
  writeFileSync(join(dir, 'initrd.img'), 'initrd');
  const artifacts = await describeArtifacts(dir, 'ltsp');
  const manifest: Manifest = {
    format: 1,
    name: 'vdd-thin',
    version: '1.0',
    created: new Date().toISOString(),
    kernel: '6.1.0-27-amd64',
    netbootCommandLine: '',
    squashfsCompression: 'zstd',
    boot: 'ltsp',
    payloadBytes: payloadBytes(artifacts),
    payloadBudgetBytes: 100 * 2 ** 20,
    artifacts,
    build: { seconds: 1, cachedPackages: 0, reusedRoot: false, steps: {} },
  };
  writeManifest(dir, manifest);
}

function ltsp(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [program, 'ltsp', ...args], { encoding: 'utf8' });
}

const reason = announceSkip('vdd-image ltsp', process.getuid?.() === 0 ? missingTools(['mksquashfs', 'unsquashfs']) : 'unsquashfs keeps owners only as root');

describe.skipIf(reason)('vdd-image ltsp', () => {
  const version = join(work, 'ltsp-version');
  const base = join(work, 'srv/ltsp');
  const conf = join(work, 'ltsp.conf');
  const options = ['--from', version, '--base-dir', base, '--ltsp-conf', conf];

  it('installs the root as BASE_DIR/NAME by rename and prints the ltsp.conf keys and the commands to run next', async () => {
    await makeLtspVersion(version);
    mkdirSync(join(work, 'srv'));
    writeFileSync(conf, `# the site's own\n[server]\nBASE_DIR=${base}\n\n[clients]\nLOCAL_SWAP=0\n`);
    const result = ltsp(...options, '--broker', 'http://10.0.0.2:8080/');
    expect(result.status, result.stderr).toBe(0);
    expect(readFileSync(join(base, 'vdd-thin/etc/vdd/image-version'), 'utf8')).toBe('vdd-thin 1.0\n');
    expect(readdirSync(base)).toEqual(['vdd-thin']);
    expect(result.stdout).toContain(`Installed ${base}/vdd-thin (vdd-thin 1.0, LTSP flavour).`);
    expect(result.stdout).toMatch(
      /lacks DEFAULT_IMAGE, VDD_BROKER; add \(or run with --apply\):\n\n\[server\]\n# vdd-thin: .*\nDEFAULT_IMAGE=vdd-thin\n\[clients\]\n/,
    );
    expect(result.stdout).toContain('VDD_BROKER="http://10.0.0.2:8080/"');
    expect(result.stdout).toMatch(/ltsp image vdd-thin\n {4}ltsp ipxe\n {4}ltsp initrd\n/);
    expect(result.stdout).toContain('ltsp nfs');
    // Printing changes nothing in ltsp.conf.
    expect(readFileSync(conf, 'utf8')).not.toContain('vdd-thin');
  });

  it('replaces its own earlier root, and refuses a chroot of that name that is not one', () => {
    const again = ltsp(...options, '--json');
    expect(again.status, again.stderr).toBe(0);
    const report = JSON.parse(again.stdout) as { root: { replaced: boolean }; ltspConf: { missing: { wanted: { key: string } }[] } };
    expect(report.root.replaced).toBe(true);
    expect(report.ltspConf.missing.map((missing) => missing.wanted.key)).toEqual(['DEFAULT_IMAGE']);
    mkdirSync(join(base, 'x86_64/etc'), { recursive: true });
    const other = ltsp(...options, '--name', 'x86_64');
    expect(other.status).toBe(1);
    expect(other.stderr).toContain(`${base}/x86_64 exists and is not a vdd-thin root`);
  });

  it('refuses, before installing anything, a broker URL in ltsp.conf that does not parse, a wrong --base-dir and a bad --name', () => {
    writeFileSync(conf, `[server]\nBASE_DIR=${base}\n[52:54:00:*]\nVDD_BROKER = ftp://broker/\n`);
    const bad = ltsp(...options, '--name', 'fresh');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(new RegExp(`${conf}:4 \\[52:54:00:\\*\\]: VDD_BROKER: `));
    expect(existsSync(join(base, 'fresh'))).toBe(false);
    writeFileSync(conf, '[server]\nBASE_DIR=/opt/ltsp\n');
    const wrongBase = ltsp(...options, '--name', 'fresh');
    expect(wrongBase.stderr).toContain(`--base-dir ${base} is not LTSP's BASE_DIR /opt/ltsp (${conf}:2 [server])`);
    expect(ltsp(...options, '--name', 'images').stderr).toContain('--name images: expected an LTSP image name');
    expect(ltsp('--from', version, '--base-dir', 'srv/ltsp').stderr).toContain('--base-dir srv/ltsp: expected an absolute path');
    expect(existsSync(join(base, 'fresh'))).toBe(false);
  });

  it('refuses a version built for the other flavour, and says how to build the LTSP one', async () => {
    const vdd = join(work, 'vdd-version');
    await makeFakeVersion(vdd, '2.0');
    const result = ltsp('--from', vdd, '--base-dir', base);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/version 2\.0\) was built for vdd's own boot .*; build it with: vdd-image build --flavor ltsp/);
    const none = ltsp('--out', join(work, 'empty'), '--base-dir', base);
    expect(none.stderr).toContain(`no LTSP flavour build in ${join(work, 'empty')}; build it with: vdd-image build --flavor ltsp`);
  });
});

describe('ltsp.conf edits', () => {
  const wanted = wantedKeys({ name: 'vdd-thin', boot: 'nbd', broker: ['http://b/'], kernelParameters: 'console=ttyS0' });

  it('adds keys to existing sections after a multi-line value, replaces a key in place, and appends a missing section', () => {
    const text = ['# site', '[server]', 'DEFAULT_IMAGE=x86_64', '', '[clients]', 'POST_INIT_X="a', 'b"', '', '[pc01]', 'HOSTNAME=pc01', ''].join('\n');
    const merged = mergeLtspConf(text, wanted);
    expect(merged).toBe(
      [
        '# site',
        '[server]',
        'DEFAULT_IMAGE=vdd-thin',
        '# vdd-thin: the root over NBD from the LTSP server (iPXE fills in ${srv})',
        "KERNEL_PARAMETERS='root=/dev/nbd0 nbdroot=${srv},vdd-thin,nbd0 boot=local ltsp.image= console=ttyS0'",
        '',
        '[clients]',
        'POST_INIT_X="a',
        'b"',
        '# vdd-thin: where vdd-launcher finds the broker',
        'VDD_BROKER="http://b/"',
        '',
        '[pc01]',
        'HOSTNAME=pc01',
        '',
      ].join('\n'),
    );
    expect(checkLtspConf(merged, 'ltsp.conf', wanted, '/srv/ltsp')).toEqual({ problems: [], missing: [] });
    expect(mergeLtspConf('', wanted.slice(0, 1))).toBe(
      "[server]\n# vdd-thin: the image LTSP's iPXE menu starts (LTSP's own default is x86_64)\nDEFAULT_IMAGE=vdd-thin\n",
    );
  });
});
