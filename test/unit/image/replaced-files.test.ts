// Files vdd-image writes whole or not at all, through the one replaceFile: the signing key pair
// (private key 0600), a version's manifest.json.sig and the published root's vdd.ipxe; a
// temporary is hidden while it exists and gone afterwards, also when the write fails.
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replaceFile } from '../../../common/io/replace-file.ts';
import { rootScriptName, writeRootScript } from '../../../image/publish/published-root.ts';
import { generateKeyFiles, privateKeyName, publicKeyName, readPrivateKeyFile } from '../../../image/sign/key-files.ts';
import { signVersionDirectory } from '../../../image/sign/sign-manifest.ts';
import { signatureFileName } from '../../../common/manifest/manifest-signature.ts';
import { makeFakeVersion } from '../../support/fake-version.ts';
import { useTempDir } from '../../support/temp-dir.ts';

const dir = useTempDir();
const mode = (path: string) => statSync(path).mode & 0o777;

describe('files replaced in one rename', () => {
  it('writes a key pair with a private key only its owner reads, and leaves nothing else', () => {
    const keys = join(dir, 'keys');
    const files = generateKeyFiles(keys, false);
    expect(readdirSync(keys).sort()).toEqual([privateKeyName, publicKeyName]);
    expect(mode(files.privateKeyPath)).toBe(0o600);
    expect(readPrivateKeyFile(files.privateKeyPath).asymmetricKeyType).toBe('ed25519');
    const replaced = generateKeyFiles(keys, true);
    expect(replaced.fingerprint).not.toBe(files.fingerprint);
    expect(readdirSync(keys).sort()).toEqual([privateKeyName, publicKeyName]);
  });

  it('signs a version directory with nothing left beside the signature', async () => {
    const version = join(dir, 'version');
    await makeFakeVersion(version, '1.0.0');
    const before = readdirSync(version);
    const keys = generateKeyFiles(join(dir, 'sign-keys'), false);
    signVersionDirectory(version, readPrivateKeyFile(keys.privateKeyPath));
    expect(readdirSync(version).sort()).toEqual([...before, signatureFileName].sort());
    expect(mode(join(version, signatureFileName)) & 0o644).toBe(0o644);
  });

  it('rewrites vdd.ipxe in place, with no temporary left in the served root', () => {
    const root = join(dir, 'root');
    mkdirSync(root);
    writeRootScript(root, '1.0.0');
    expect(readFileSync(join(root, rootScriptName), 'utf8')).toContain('versions/1.0.0/');
    writeRootScript(root, '1.1.0');
    expect(readFileSync(join(root, rootScriptName), 'utf8')).toContain('versions/1.1.0/');
    expect(readdirSync(root)).toEqual([rootScriptName]);
  });

  it('keeps the temporary hidden while it exists and removes it when the write fails', () => {
    const target = join(dir, 'failing');
    let seen: string | undefined;
    expect(() =>
      replaceFile(target, 'x', {
        mode: 0o644,
        beforeRename: (temporary) => {
          seen = temporary;
          throw new Error('refused');
        },
      }),
    ).toThrow('refused');
    expect(seen?.startsWith(join(dir, '.failing.'))).toBe(true);
    expect(readdirSync(dir).filter((name) => name.includes('failing'))).toEqual([]);
  });
});
