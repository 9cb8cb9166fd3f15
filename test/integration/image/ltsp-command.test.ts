// vdd-image ltsp against a small LTSP flavour version (a real squashfs, unpacked by unsquashfs) and
// a server's ltsp.conf in a temporary directory: what it installs, prints and edits, and what it
// refuses before installing anything. The whole path on a stock LTSP server is test/e2e/ltsp-boot.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLtspConf, mergeLtspConf, wantedKeys } from '../../../image/ltsp/ltsp-conf-plan.ts';
import { makeFakeVersion, writeFakeManifest } from '../../support/fake-version.ts';
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
  await writeFakeManifest(dir, '1.0', 'ltsp');
}

function ltsp(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [program, 'ltsp', ...args], { encoding: 'utf8' });
}

/** vdd-image ltsp with PATH set to these directories only (fake ltsp, unsquashfs, nbd-server). */
function ltspWithPath(path: readonly string[], ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [program, 'ltsp', ...args], { encoding: 'utf8', env: { ...process.env, PATH: path.join(':') } });
}

function fakeProgram(dir: string, name: string, script: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), `#!/bin/sh\n${script}\n`);
  chmodSync(join(dir, name), 0o755);
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

describe.skipIf(reason)('vdd-image ltsp on a server that already runs LTSP', () => {
  const version = join(work, 'site-version');
  const base = join(work, 'site/srv/ltsp');
  const conf = join(work, 'site/ltsp.conf');
  const options = ['--from', version, '--base-dir', base, '--ltsp-conf', conf];
  const siteConf = `[server]\nBASE_DIR=${base}\nDEFAULT_IMAGE=x86_64\n\n[clients]\nLOCAL_SWAP=0\n`;
  const bin = join(work, 'site/bin');
  const unsquashfsDir = dirname(execFileSync('sh', ['-c', 'command -v unsquashfs'], { encoding: 'utf8' }).trim());

  it("leaves the admin's [server] DEFAULT_IMAGE, refuses a server-wide NBD root, and scopes it all to --mac clients", async () => {
    await makeLtspVersion(version);
    mkdirSync(join(base, 'images'), { recursive: true });
    writeFileSync(join(base, 'images/x86_64.img'), 'an LTSP image of the site');
    writeFileSync(conf, siteConf);
    const plain = ltsp(...options, '--broker', 'http://10.0.0.2:8080/');
    expect(plain.status, plain.stderr).toBe(0);
    expect(plain.stdout).toContain('Not changed: [server] DEFAULT_IMAGE (now x86_64): ');
    expect(plain.stdout).toContain('--mac MAC[,MAC] to make it these clients');
    expect(plain.stdout).toMatch(/lacks VDD_BROKER; add \(or run with --apply\):\n\n\[clients\]\n/);
    const nbd = ltsp(...options, '--name', 'other', '--nbd');
    expect(nbd.status).toBe(1);
    expect(nbd.stderr).toContain('KERNEL_PARAMETERS for these clients: ');
    expect(nbd.stderr).toContain('--mac MAC[,MAC]');
    expect(existsSync(join(base, 'other'))).toBe(false);
    const scoped = ltsp(...options, '--nbd', '--mac', '52:54:00:07:21:01', '--json');
    expect(scoped.status, scoped.stderr).toBe(0);
    const report = JSON.parse(scoped.stdout) as {
      scope: unknown;
      otherImages: string[];
      ltspConf: { missing: { wanted: { section: string; key: string } }[]; kept: unknown[] };
    };
    expect(report.scope).toEqual({ macs: ['52:54:00:07:21:01'] });
    expect(report.otherImages).toEqual(['x86_64']);
    expect(report.ltspConf.kept).toEqual([]);
    expect(report.ltspConf.missing.map((missing) => `${missing.wanted.section} ${missing.wanted.key}`)).toEqual([
      '52:54:00:07:21:01 DEFAULT_IMAGE',
      '52:54:00:07:21:01 KERNEL_PARAMETERS',
    ]);
    expect(ltsp(...options, '--mac', '52:54:00:07:21:01', '--make-default').status).toBe(2);
  });

  it('--apply checks that ltsp and nbd-server are installed before it changes anything', () => {
    const none = ltspWithPath([join(work, 'site/empty')], ...options, '--name', 'fresh', '--apply');
    expect(none.status).toBe(1);
    expect(none.stderr).toContain('ltsp (apt-get install ltsp) is not installed; nothing was changed');
    fakeProgram(bin, 'ltsp', `echo "$*" >> ${join(work, 'site/ltsp.log')}`);
    const noNbd = ltspWithPath([bin], ...options, '--name', 'fresh', '--nbd', '--mac', '52:54:00:07:21:01', '--apply');
    expect(noNbd.status).toBe(1);
    expect(noNbd.stderr).toContain('nbd-server (apt-get install nbd-server) is not installed; nothing was changed');
    expect(existsSync(join(base, 'fresh'))).toBe(false);
    expect(readFileSync(conf, 'utf8')).toBe(siteConf);
  });

  it('--apply --mac writes only these clients’ section, keeps the old file and runs the LTSP commands', () => {
    const applied = ltspWithPath([bin, unsquashfsDir], ...options, '--mac', '52:54:00:07:21:01', '--broker', 'http://10.0.0.2:8080/', '--apply');
    expect(applied.status, applied.stderr).toBe(0);
    expect(readFileSync(`${conf}.old`, 'utf8')).toBe(siteConf);
    expect(readFileSync(conf, 'utf8')).toBe(
      `${siteConf}\n[52:54:00:07:21:01]\n# vdd-thin: the image LTSP's iPXE menu starts for this client\nDEFAULT_IMAGE=vdd-thin\n# vdd-thin: where vdd-launcher finds the broker\nVDD_BROKER="http://10.0.0.2:8080/"\n`,
    );
    expect(applied.stderr).toContain(`wrote ${conf}: [52:54:00:07:21:01] DEFAULT_IMAGE, [52:54:00:07:21:01] VDD_BROKER`);
    expect(applied.stdout).toContain(`Wrote ${conf} (the lines below; the old file is ${conf}.old):`);
    expect(readFileSync(join(work, 'site/ltsp.log'), 'utf8')).toBe('image vdd-thin\nipxe\ninitrd\n');
  });

  it('removes partial roots of runs that are gone, and on SIGTERM during unsquashfs removes its own and exits 130', async () => {
    const dead = join(base, '.vdd-thin.vdd-partial-4194305'); // above the largest PID Linux gives
    const alive = join(base, `.vdd-thin.vdd-partial-${process.pid}`);
    mkdirSync(join(dead, 'etc'), { recursive: true });
    mkdirSync(alive);
    const slowBin = join(work, 'site/slow-bin');
    // unsquashfs -no-progress -quiet -d DIR FILE: half a root, then nothing more.
    fakeProgram(slowBin, 'unsquashfs', '/bin/mkdir -p "$4" && echo half > "$4/half" && exec /bin/sleep 60');
    const child = spawn(process.execPath, [program, 'ltsp', ...options], { env: { ...process.env, PATH: slowBin }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const own = () => readdirSync(base).filter((entry) => entry.startsWith('.vdd-thin.vdd-partial-') && existsSync(join(base, entry, 'half')));
    for (let waited = 0; own().length === 0 && waited < 20_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(own(), stderr).toHaveLength(1);
    expect(existsSync(dead)).toBe(false);
    expect(stderr).toContain(`removed ${dead}, left by an earlier run that was stopped`);
    child.kill('SIGTERM');
    expect(await exited, stderr).toBe(130);
    expect(stderr).toContain('interrupted (SIGTERM): interrupted while unpacking');
    expect(own()).toEqual([]);
    expect(existsSync(alive)).toBe(true);
    // The earlier root is still in place.
    expect(readFileSync(join(base, 'vdd-thin/etc/vdd/image-version'), 'utf8')).toBe('vdd-thin 1.0\n');
  });
});

describe.skipIf(reason)('vdd-image ltsp refuses bad input before installing anything', () => {
  const version = join(work, 'bad-version');
  const base = join(work, 'bad/srv/ltsp');
  const conf = join(work, 'bad/ltsp.conf');
  const options = ['--from', version, '--base-dir', base, '--ltsp-conf', conf];
  const nothingInstalled = () => expect(existsSync(base) ? readdirSync(base) : []).toEqual([]);

  it('names an ltsp.conf it cannot read, and reads a missing one as empty (LTSP ships none)', async () => {
    await makeLtspVersion(version);
    mkdirSync(dirname(base), { recursive: true });
    mkdirSync(conf, { recursive: true });
    const directory = ltsp(...options);
    expect(directory.status).toBe(1);
    expect(directory.stderr).toContain(`--ltsp-conf ${conf}: cannot be read (is a directory): give --ltsp-conf the server's ltsp.conf file`);
    expect(directory.stderr).toContain('nothing was installed');
    expect(directory.stderr).not.toContain('EISDIR');
    nothingInstalled();
    rmSync(conf, { recursive: true });
    // No ltsp.conf: LTSP's defaults, whose BASE_DIR is /srv/ltsp, not this test's.
    const missing = ltsp(...options);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain(
      `--base-dir ${base} is not LTSP's BASE_DIR /srv/ltsp (LTSP's default): ltsp image would not find the root there; give --base-dir /srv/ltsp, or set BASE_DIR=${base} in ${conf} [server] first`,
    );
    expect(existsSync(conf)).toBe(false);
    writeFileSync(conf, `[server]\nBASE_DIR=${base}\n`);
    const printed = ltsp(...options);
    expect(printed.status, printed.stderr).toBe(0);
    expect(printed.stdout).toContain(`${conf} lacks DEFAULT_IMAGE; add (or run with --apply):`);
    rmSync(base, { recursive: true });
  });

  it('refuses a root.squashfs (or another artifact) that does not match the manifest', () => {
    const root = join(version, 'root.squashfs');
    const good = readFileSync(root);
    // Another vdd-thin root of the same size: only the checksum tells them apart.
    const swapped = Buffer.from(good);
    swapped[swapped.length - 1] = (swapped[swapped.length - 1] ?? 0) ^ 0xff;
    writeFileSync(root, swapped);
    const changed = ltsp(...options);
    expect(changed.status).toBe(1);
    expect(changed.stderr).toContain(`${version} does not match its manifest.json (version 1.0): ${root}: sha256 `);
    expect(changed.stderr).toContain('the file is corrupted or was changed; copy the whole version directory again');
    expect(changed.stderr).toContain('nothing was installed');
    writeFileSync(root, good.subarray(0, 100));
    expect(ltsp(...options).stderr).toContain(`${root}: truncated: 100 of ${good.length} bytes`);
    writeFileSync(root, good);
    rmSync(join(version, 'vmlinuz'));
    expect(ltsp(...options).stderr).toContain(`${join(version, 'vmlinuz')}: missing`);
    writeFileSync(join(version, 'vmlinuz'), 'kernel');
    nothingInstalled();
    expect(ltsp(...options).status).toBe(0);
    rmSync(base, { recursive: true });
  });

  it('--base-dir: a regular file, a missing parent and a parent that is a file are named with the option', () => {
    const file = join(work, 'bad/a-file');
    writeFileSync(file, 'not a directory');
    const isFile = ltsp(...options.slice(0, 2), '--base-dir', file, '--ltsp-conf', conf);
    expect(isFile.status).toBe(1);
    expect(isFile.stderr).toContain(`--base-dir ${file} is not a directory: give --base-dir LTSP's BASE_DIR`);
    const orphan = join(work, 'bad/no/such/ltsp');
    const noParent = ltsp(...options.slice(0, 2), '--base-dir', orphan, '--ltsp-conf', conf);
    expect(noParent.status).toBe(1);
    expect(noParent.stderr).toContain(`--base-dir ${orphan}: neither it nor ${dirname(orphan)} exists: give --base-dir LTSP's BASE_DIR`);
    const underFile = ltsp(...options.slice(0, 2), '--base-dir', join(file, 'ltsp'), '--ltsp-conf', conf);
    expect(underFile.status).toBe(1);
    expect(underFile.stderr).toContain(`--base-dir ${join(file, 'ltsp')}: ${file} is not a directory`);
    expect(existsSync(join(work, 'bad/no'))).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe('not a directory');
  });

  it('an empty VDD_BROKER in ltsp.conf counts as none and the hint shows; --broker "" is a usage error', () => {
    writeFileSync(conf, `[server]\nBASE_DIR=${base}\n[clients]\nVDD_BROKER=\n`);
    const empty = ltsp(...options);
    expect(empty.status, empty.stderr).toBe(0);
    expect(empty.stdout).toContain('No VDD_BROKER in ltsp.conf (an empty one counts as none): the launcher looks for the broker');
    writeFileSync(conf, `[server]\nBASE_DIR=${base}\n[clients]\nVDD_BROKER="http://10.0.0.2:8080/"\n`);
    expect(ltsp(...options).stdout).not.toContain('No VDD_BROKER');
    rmSync(base, { recursive: true });
    for (const value of ['', ' , ']) {
      const refused = ltsp(...options, '--broker', value);
      expect(refused.status).toBe(2);
      expect(refused.stderr).toContain('--broker: expected URL[,URL]; leave --broker out to let the clients discover the broker');
    }
    nothingInstalled();
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
    expect(checkLtspConf(merged, 'ltsp.conf', wanted, '/srv/ltsp')).toEqual({ problems: [], missing: [], kept: [], notes: [] });
    expect(mergeLtspConf('', wanted.slice(0, 1))).toBe(
      "[server]\n# vdd-thin: the image LTSP's iPXE menu starts (LTSP's own default is x86_64)\nDEFAULT_IMAGE=vdd-thin\n",
    );
  });
});
