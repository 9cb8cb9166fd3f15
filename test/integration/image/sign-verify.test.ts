// vdd-image keygen, sign and verify on real files through the real command: a good version
// verifies; unsigned, garbled, wrongly signed, tampered, truncated and missing ones are refused
// with a line that says what is wrong.
import { spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, cpSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeFakeVersion } from '../../support/fake-version.ts';
import { useTempDir } from '../../support/temp-dir.ts';

const program = new URL('../../../bin/vdd-image.js', import.meta.url).pathname;
const dir = useTempDir('vdd-sign-');
const keys = join(dir, 'keys');
const otherKeys = join(dir, 'other-keys');

function vddImage(...args: string[]) {
  const result = spawnSync(process.execPath, [program, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A fresh signed copy of the good version, for one test to damage. */
function signedCopy(name: string): string {
  const copy = join(dir, name);
  cpSync(join(dir, 'good'), copy, { recursive: true });
  return copy;
}

function verifyJson(versionDir: string, publicKey = join(keys, 'image-key.pub')) {
  const result = vddImage('verify', versionDir, '--key', publicKey, '--json');
  return { status: result.status, report: JSON.parse(result.stdout) as { ok: boolean; problems: { what: string; message: string }[] } };
}

describe('vdd-image keygen, sign, verify', () => {
  it('keygen writes a private key only its owner can read and never replaces it without --force', () => {
    const made = vddImage('keygen', '--out', keys, '--json');
    expect(made.status, made.stderr).toBe(0);
    const files = JSON.parse(made.stdout) as { privateKeyPath: string; publicKeyPath: string; fingerprint: string };
    expect(statSync(files.privateKeyPath).mode & 0o777).toBe(0o600);
    expect(readFileSync(files.privateKeyPath, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(readFileSync(files.publicKeyPath, 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(made.stdout).not.toContain('BEGIN');
    const before = readFileSync(files.privateKeyPath, 'utf8');
    const again = vddImage('keygen', '--out', keys);
    expect(again).toMatchObject({ status: 1, stderr: expect.stringContaining('already exists') });
    expect(readFileSync(files.privateKeyPath, 'utf8')).toBe(before);
    expect(vddImage('keygen', '--out', otherKeys).status).toBe(0);
    const forced = join(dir, 'forced');
    expect(vddImage('keygen', '--out', forced).status).toBe(0);
    const first = readFileSync(join(forced, 'image-key'), 'utf8');
    expect(vddImage('keygen', '--out', forced, '--force').status).toBe(0);
    expect(readFileSync(join(forced, 'image-key'), 'utf8')).not.toBe(first);
  });

  it('a signed version verifies, with its version and key fingerprint', async () => {
    await makeFakeVersion(join(dir, 'good'), '2.0.0');
    const unsigned = vddImage('verify', join(dir, 'good'), '--key', join(keys, 'image-key.pub'));
    expect(unsigned).toMatchObject({ status: 1, stdout: expect.stringContaining('no manifest.json.sig: the version is not signed') });
    const signed = vddImage('sign', join(dir, 'good'), '--key', join(keys, 'image-key'));
    expect(signed.status, signed.stderr).toBe(0);
    expect(signed.stdout).toMatch(/signed .* \(version 2\.0\.0\) with key ed25519:[0-9a-f]{16}/);
    const verified = vddImage('verify', join(dir, 'good'), '--key', join(keys, 'image-key.pub'));
    expect(verified.status, verified.stdout).toBe(0);
    expect(verified.stdout).toContain('version 2.0.0: signature (key ed25519:');
    expect(verified.stdout).toContain('6 artifacts OK');
  });

  it('refuses a signing key other users can read', () => {
    const loose = join(dir, 'loose-key');
    cpSync(join(keys, 'image-key'), loose);
    chmodSync(loose, 0o644);
    expect(vddImage('sign', join(dir, 'good'), '--key', loose)).toMatchObject({
      status: 1,
      stderr: expect.stringContaining('readable by other users; chmod 600'),
    });
    expect(vddImage('sign', join(dir, 'good'), '--key', join(keys, 'image-key.pub'))).toMatchObject({
      status: 1,
      stderr: expect.stringContaining('not a PEM private key'),
    });
  });

  it('names each problem: wrong key, garbled signature, changed manifest', () => {
    expect(verifyJson(join(dir, 'good'), join(otherKeys, 'image-key.pub'))).toMatchObject({
      status: 1,
      report: { ok: false, problems: [{ what: 'signature-mismatch', message: expect.stringContaining('signed with another key') }] },
    });
    const garbled = signedCopy('garbled');
    writeFileSync(join(garbled, 'manifest.json.sig'), 'c2lnbmF0dXJl\n');
    expect(verifyJson(garbled).report.problems).toEqual([
      { what: 'garbled-signature', message: expect.stringContaining('not the base64 of a 64-byte ed25519 signature') },
    ]);
    const changed = signedCopy('changed');
    const manifestPath = join(changed, 'manifest.json');
    writeFileSync(manifestPath, readFileSync(manifestPath, 'utf8').replace('"6.1.0-27-amd64"', '"6.1.0-28-amd64"'));
    expect(verifyJson(changed).report.problems).toEqual([{ what: 'signature-mismatch', message: expect.stringContaining('changed after signing') }]);
    const empty = signedCopy('empty-signature');
    writeFileSync(join(empty, 'manifest.json.sig'), '');
    expect(verifyJson(empty).report.problems[0]?.what).toBe('missing-signature');
  });

  it('names each damaged artifact: tampered, truncated, grown, missing', () => {
    const damaged = signedCopy('damaged');
    const squashfs = join(damaged, 'root.squashfs');
    const bytes = readFileSync(squashfs);
    bytes[100] = (bytes[100] ?? 0) ^ 0xff;
    writeFileSync(squashfs, bytes);
    truncateSync(join(damaged, 'vmlinuz'), 1000);
    appendFileSync(join(damaged, 'initrd.img'), 'x');
    rmSync(join(damaged, 'vdd-thin.img'));
    const result = vddImage('verify', damaged, '--key', join(keys, 'image-key.pub'));
    expect(result.status).toBe(1);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/root\.squashfs: sha256 [0-9a-f]{16}… does not match the manifest's [0-9a-f]{16}…: the file is corrupted or was changed$/),
        expect.stringMatching(/vmlinuz: truncated: 1000 of 4096 bytes$/),
        expect.stringMatching(/initrd\.img: 4097 bytes, the manifest says 4096$/),
        expect.stringMatching(/vdd-thin\.img: missing$/),
      ]),
    );
  });

  it('refuses to sign a manifest that is not valid', () => {
    const broken = signedCopy('broken-manifest');
    writeFileSync(join(broken, 'manifest.json'), JSON.stringify({ format: 1, version: '../../etc' }));
    expect(vddImage('sign', broken, '--key', join(keys, 'image-key'))).toMatchObject({
      status: 1,
      stderr: expect.stringContaining('refusing to sign manifest.json: not a valid manifest: '),
    });
    expect(readFileSync(join(broken, 'manifest.json.sig'), 'utf8')).toBe(readFileSync(join(dir, 'good', 'manifest.json.sig'), 'utf8'));
  });

  it('usage: a directory that is no version, and missing operands', () => {
    expect(vddImage('verify', dir, '--key', join(keys, 'image-key.pub'))).toMatchObject({
      status: 1,
      stdout: expect.stringContaining('no manifest.json: not an image version directory'),
    });
    expect(vddImage('verify')).toMatchObject({ status: 2, stderr: expect.stringContaining('verify: expected one version directory') });
    expect(vddImage('verify', join(dir, 'good'), '--key', join(dir, 'nope.pub'))).toMatchObject({
      status: 1,
      stderr: expect.stringContaining('nope.pub: no such file'),
    });
  });
});
