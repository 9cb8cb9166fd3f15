// vdd-image keygen, sign and verify: the signing key pair and the signature of a version directory.
import type { KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { signVersionDirectory } from '../sign/sign-manifest.ts';
import { defaultKeyDir, generateKeyFiles, privateKeyName, publicKeyName, readPrivateKeyFile, readPublicKeyFile } from '../sign/key-files.ts';
import { verifyVersionDirectory } from '../sign/verify-version.ts';
import { UsageError } from '../../common/cli/command-line.ts';
import { sharedExitCodes as exitCodes } from '../../common/exit-codes.ts';
import type { ImageCommandContext, ImagePaths } from './command.ts';
import type { ImageOptions } from './options.ts';

function oneOperand(command: string, operands: readonly string[], what: string): string {
  if (operands.length !== 1 || operands[0] === undefined)
    throw new UsageError(`${command}: expected one ${what}${operands.length > 1 ? `, got '${operands[1]}' too` : ''}`);
  return operands[0];
}

/** The private key: --key FILE, else the default key directory's image-key. */
export function signingKeyPath(options: ImageOptions, paths: ImagePaths): string {
  return options.key ?? join(defaultKeyDir(paths.cacheDir), privateKeyName);
}

/** The public key: --key FILE, else the default key directory's image-key.pub. */
export function trustedKey(options: ImageOptions, paths: ImagePaths): KeyObject {
  return readPublicKeyFile(options.key ?? join(defaultKeyDir(paths.cacheDir), publicKeyName));
}

/**
 * The key build signs with: --key FILE (which must exist), else the default one, generated on
 * the first build so every image is signed and carries the key its updates must match.
 */
export function buildSigningKey(options: ImageOptions, paths: ImagePaths, say: (line: string) => void): KeyObject {
  const path = signingKeyPath(options, paths);
  if (options.key === undefined && !existsSync(path)) {
    const files = generateKeyFiles(defaultKeyDir(paths.cacheDir), false);
    say(
      `no image signing key yet: generated ${files.privateKeyPath} (${files.fingerprint}); keep a copy of it: images for these clients must be signed with it`,
    );
  }
  return readPrivateKeyFile(path);
}

export function keygen({ options, paths }: ImageCommandContext): number {
  const files = generateKeyFiles(options.out ?? defaultKeyDir(paths.cacheDir), options.force ?? false);
  if (options.json) process.stdout.write(`${JSON.stringify(files, null, 2)}\n`);
  else process.stdout.write(`private key ${files.privateKeyPath} (keep it secret)\npublic key  ${files.publicKeyPath}\nfingerprint ${files.fingerprint}\n`);
  return exitCodes.ok;
}

export function sign({ operands, options, paths }: ImageCommandContext): number {
  const dir = oneOperand('sign', operands, 'version directory (e.g. dist/image/VERSION)');
  const signed = signVersionDirectory(dir, readPrivateKeyFile(signingKeyPath(options, paths)));
  if (options.json) process.stdout.write(`${JSON.stringify({ dir, version: signed.manifest.version, fingerprint: signed.fingerprint }, null, 2)}\n`);
  else process.stdout.write(`signed ${dir} (version ${signed.manifest.version}) with key ${signed.fingerprint}\n`);
  return exitCodes.ok;
}

export async function verify({ operands, options, paths }: ImageCommandContext): Promise<number> {
  const dir = oneOperand('verify', operands, 'version directory');
  const check = await verifyVersionDirectory(dir, trustedKey(options, paths));
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify({ dir, ok: check.problems.length === 0, version: check.manifest?.version ?? null, fingerprint: check.fingerprint, problems: check.problems }, null, 2)}\n`,
    );
  } else if (check.problems.length === 0) {
    process.stdout.write(
      `${dir}: version ${check.manifest?.version}: signature (key ${check.fingerprint}) and ${Object.keys(check.manifest?.artifacts ?? {}).length} artifacts OK\n`,
    );
  } else for (const problem of check.problems) process.stdout.write(`${problem.message}\n`);
  return check.problems.length === 0 ? exitCodes.ok : exitCodes.failure;
}
