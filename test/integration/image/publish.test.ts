// vdd-image publish, rollback and list through the real command on a real directory tree:
// what lands where, which version is current and previous, what --keep removes, and what is
// refused (unsigned, damaged, a second build under a published version, a locked root).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeManifest } from '../../../common/manifest/manifest.ts';
import { makeFakeVersion } from '../../support/fake-version.ts';
import { useTempDir } from '../../support/temp-dir.ts';

const program = new URL('../../../bin/vdd-image.js', import.meta.url).pathname;
const dir = useTempDir('vdd-publish-');
const root = join(dir, 'root');
const built = join(dir, 'dist');
const publicKey = join(dir, 'keys', 'image-key.pub');

function vddImage(...args: string[]) {
  const result = spawnSync(process.execPath, [program, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function publish(version: string, ...extra: string[]) {
  return vddImage('publish', '--root', root, '--from', join(built, version), '--key', publicKey, ...extra);
}

const current = () => readlinkSync(join(root, 'current'));
const previous = () => readlinkSync(join(root, 'previous'));
const published = () => readdirSync(join(root, 'versions')).sort();

beforeAll(async () => {
  expect(vddImage('keygen', '--out', join(dir, 'keys')).status).toBe(0);
  for (const version of ['1.0.0', '1.1.0', '1.2.0', '1.3.0', '1.4.0']) {
    await makeFakeVersion(join(built, version), version);
    expect(vddImage('sign', join(built, version), '--key', join(dir, 'keys', 'image-key')).status).toBe(0);
  }
  await makeFakeVersion(join(built, 'unsigned'), '9.0.0');
  // A version built before nbd.img existed.
  const { 'nbd.img': _nbd, ...olderArtifacts } = (await makeFakeVersion(join(built, '0.9.0'), '0.9.0')).artifacts;
  rmSync(join(built, '0.9.0', 'nbd.img'));
  writeManifest(join(built, '0.9.0'), { ...JSON.parse(readFileSync(join(built, '0.9.0', 'manifest.json'), 'utf8')), artifacts: olderArtifacts });
  expect(vddImage('sign', join(built, '0.9.0'), '--key', join(dir, 'keys', 'image-key')).status).toBe(0);
});

describe('vdd-image publish, rollback, list', () => {
  it('refuses an unsigned or damaged version and leaves the root as it was', () => {
    const unsigned = vddImage('publish', '--root', root, '--from', join(built, 'unsigned'), '--key', publicKey);
    expect(unsigned.status).toBe(1);
    expect(unsigned.stderr).toContain('refusing to publish');
    expect(unsigned.stderr).toContain('not signed');
    cpSync(join(built, '1.0.0'), join(dir, 'damaged'), { recursive: true });
    writeFileSync(join(dir, 'damaged', 'vmlinuz'), 'not the kernel');
    const damaged = vddImage('publish', '--root', root, '--from', join(dir, 'damaged'), '--key', publicKey);
    expect(damaged).toMatchObject({ status: 1, stderr: expect.stringMatching(/refusing to publish[^\n]*\n.*vmlinuz: truncated: 14 of 4096 bytes/) });
    expect(existsSync(join(root, 'current'))).toBe(false);
    expect(published()).toEqual([]);
  });

  it('refuses the LTSP flavour, which an LTSP server boots', () => {
    const ltsp = join(dir, 'ltsp-flavour');
    cpSync(join(built, '1.0.0'), ltsp, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(ltsp, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    writeManifest(ltsp, { ...(manifest as Parameters<typeof writeManifest>[1]), boot: 'ltsp' });
    expect(vddImage('sign', ltsp, '--key', join(dir, 'keys', 'image-key')).status).toBe(0);
    const result = vddImage('publish', '--root', root, '--from', ltsp, '--key', publicKey);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("is the LTSP flavour, which LTSP's server boots; install it there with vdd-image ltsp");
    expect(existsSync(join(root, 'current'))).toBe(false);
  });

  it('places a version whole and makes it current; vdd.ipxe names it', () => {
    const result = publish('1.0.0', '--json');
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ version: '1.0.0', current: '1.0.0', placed: 'copied', removed: [] });
    expect(current()).toBe('versions/1.0.0');
    expect(readdirSync(join(root, 'versions', '1.0.0')).sort()).toEqual(
      ['initrd.img', 'manifest.json', 'manifest.json.sig', 'nbd.img', 'root.squashfs', 'vdd-thin.img', 'vdd.ipxe', 'vmlinuz'].sort(),
    );
    // Copies, not hard links: writing the build's file in place later leaves the published one alone.
    const builtRoot = join(built, '1.0.0/root.squashfs');
    expect(statSync(join(root, 'versions/1.0.0/root.squashfs')).ino).not.toBe(statSync(builtRoot).ino);
    const original = readFileSync(builtRoot);
    writeFileSync(builtRoot, Buffer.alloc(original.length, 0x55));
    expect(readFileSync(join(root, 'versions/1.0.0/root.squashfs')).equals(original)).toBe(true);
    writeFileSync(builtRoot, original);
    const script = readFileSync(join(root, 'vdd.ipxe'), 'utf8');
    expect(script).toMatch(/^#!ipxe\n/);
    expect(script).toContain('set vdd-base ${vdd-root}versions/1.0.0/\nchain ${vdd-base}vdd.ipxe\n');
    expect(vddImage('verify', join(root, 'current'), '--key', publicKey).status).toBe(0);
    expect(readdirSync(root).filter((name) => name.startsWith('.'))).toEqual([]);
  });

  it('the old current becomes previous; rollback switches back and a second rollback undoes it', () => {
    expect(publish('1.1.0').status).toBe(0);
    expect([current(), previous()]).toEqual(['versions/1.1.0', 'versions/1.0.0']);
    const back = vddImage('rollback', '--root', root, '--key', publicKey);
    expect(back).toMatchObject({ status: 0, stdout: 'current -> 1.0.0 (was 1.1.0)\n' });
    expect(readFileSync(join(root, 'vdd.ipxe'), 'utf8')).toContain('versions/1.0.0/');
    expect([current(), previous()]).toEqual(['versions/1.0.0', 'versions/1.1.0']);
    expect(vddImage('rollback', '--root', root, '--key', publicKey).status).toBe(0);
    expect(current()).toBe('versions/1.1.0');
    expect(vddImage('rollback', '--root', root, '--to', '7.7.7', '--key', publicKey)).toMatchObject({
      status: 1,
      stderr: expect.stringContaining('"7.7.7" is not published here (published: '),
    });
    expect(vddImage('rollback', '--root', root, '--to', '1.1.0', '--key', publicKey)).toMatchObject({
      status: 1,
      stderr: expect.stringContaining('1.1.0 is already current'),
    });
  });

  it('rollback refuses a version that no longer verifies', () => {
    const kernel = join(root, 'versions/1.0.0/vmlinuz');
    const original = readFileSync(kernel);
    // Written in place (restored below): a new file in the directory would change its mtime,
    // which is the publish time --keep orders by.
    const replaced = Buffer.from(original);
    replaced[0] = (replaced[0] ?? 0) ^ 1;
    writeFileSync(kernel, replaced);
    expect(vddImage('rollback', '--root', root, '--key', publicKey)).toMatchObject({ status: 1, stderr: expect.stringContaining('refusing to roll back to') });
    expect(current()).toBe('versions/1.1.0');
    writeFileSync(kernel, original);
  });

  it('keeps the last N published, never current or previous', () => {
    expect(publish('1.2.0').status).toBe(0);
    const fourth = publish('1.3.0', '--json');
    expect(fourth.status, fourth.stderr).toBe(0);
    expect(JSON.parse(fourth.stdout)).toMatchObject({ removed: ['1.0.0'] });
    expect(published()).toEqual(['1.1.0', '1.2.0', '1.3.0']);
    expect(vddImage('rollback', '--root', root, '--to', '1.1.0', '--key', publicKey).status).toBe(0);
    const fifth = publish('1.4.0', '--keep', '2', '--json');
    expect(fifth.status, fifth.stderr).toBe(0);
    // 1.1.0 is older than 1.2.0 but was current until now, so it is previous and stays.
    expect([current(), previous()]).toEqual(['versions/1.4.0', 'versions/1.1.0']);
    expect(published()).toEqual(['1.1.0', '1.3.0', '1.4.0']);
    expect(publish('1.4.0', '--keep', '1')).toMatchObject({ status: 2, stderr: expect.stringContaining('--keep 1: expected a number of versions from 2') });
  });

  it('publishing a published version again only switches to it; another build under its version is refused', async () => {
    expect(publish('1.3.0', '--json')).toMatchObject({ status: 0, stdout: expect.stringContaining('"placed": "already-published"') });
    expect(current()).toBe('versions/1.3.0');
    await makeFakeVersion(join(built, 'rebuilt'), '1.3.0', { vmlinuz: 5000 });
    expect(vddImage('sign', join(built, 'rebuilt'), '--key', join(dir, 'keys', 'image-key')).status).toBe(0);
    const again = vddImage('publish', '--root', root, '--from', join(built, 'rebuilt'), '--key', publicKey);
    expect(again).toMatchObject({ status: 1, stderr: expect.stringContaining('already holds another build of version 1.3.0') });
  });

  it('list shows versions, current and previous, sizes and dates', () => {
    const text = vddImage('list', '--root', root);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/^current +1\.3\.0 +0\.0 MiB {2}built \d{4}-.*published \d{4}-/m);
    expect(text.stdout).toMatch(/^previous +1\.4\.0 /m);
    const json = JSON.parse(vddImage('list', '--root', root, '--json').stdout) as {
      version: string;
      current: boolean;
      previous: boolean;
      bytes: number;
      signed: boolean;
    }[];
    expect(json.map((entry) => entry.version)).toEqual(['1.3.0', '1.4.0', '1.1.0']);
    expect(json[0]).toMatchObject({ current: true, previous: false, signed: true, bytes: expect.any(Number) });
    expect(json[0]?.bytes).toBeGreaterThan(5 * 4096);
    expect(JSON.parse(vddImage('list', '--root', join(dir, 'empty'), '--json').stdout)).toEqual([]);
  });

  it('one publisher at a time; a lock left by a dead process is taken over', () => {
    writeFileSync(join(root, '.lock'), `${process.pid}\n`);
    expect(publish('1.4.0')).toMatchObject({ status: 1, stderr: expect.stringContaining(`locked by vdd-image process ${process.pid}`) });
    const dead = spawnSync('true');
    writeFileSync(join(root, '.lock'), `${dead.pid}\n`);
    expect(publish('1.4.0').status).toBe(0);
    expect(existsSync(join(root, '.lock'))).toBe(false);
  });

  it('usage errors', () => {
    expect(vddImage('publish', '--from', join(built, '1.0.0'))).toMatchObject({ status: 2, stderr: expect.stringContaining('--root DIR') });
    expect(vddImage('publish', '--root', root, '--from', 'a', '--image-version', 'b')).toMatchObject({
      status: 2,
      stderr: expect.stringContaining('choose one of --from'),
    });
    expect(vddImage('rollback', '--root', root, '--keep', '3')).toMatchObject({ status: 2, stderr: expect.stringContaining('--keep does not apply') });
  });

  it('publishes a version built before nbd.img with the files its manifest names', () => {
    const olderRoot = join(dir, 'older-root');
    const result = vddImage('publish', '--root', olderRoot, '--from', join(built, '0.9.0'), '--key', publicKey);
    expect(result.status, result.stderr).toBe(0);
    expect(readdirSync(join(olderRoot, 'versions', '0.9.0')).sort()).toEqual([
      'initrd.img',
      'manifest.json',
      'manifest.json.sig',
      'root.squashfs',
      'vdd-thin.img',
      'vdd.ipxe',
      'vmlinuz',
    ]);
    expect(vddImage('verify', join(olderRoot, 'current'), '--key', publicKey).status).toBe(0);
  });
});
