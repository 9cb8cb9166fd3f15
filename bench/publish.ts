// Benchmark: vdd-image publish and rollback as an admin runs them (wall time of the command,
// node start included) on a version of realistic size (75 MiB payload, 385 MiB disk image; fake
// bytes), copied on one file system (reflinked where it can) and across two; verify throughput in MB/s.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { signVersionDirectory } from '../image/sign/sign-manifest.ts';
import { readPublicKeyFile, readPrivateKeyFile } from '../image/sign/key-files.ts';
import { verifyVersionDirectory } from '../image/sign/verify-version.ts';
import { makeFakeVersion } from '../test/support/fake-version.ts';
import { median } from './stats.ts';

const program = new URL('../bin/vdd-image.js', import.meta.url).pathname;
const mebibyte = 2 ** 20;
/** The sizes of the 0.1.0 build: vmlinuz 7.8, initrd 6.5, root.squashfs 61 MiB, disk image 385 MiB. */
const sizes = { vmlinuz: 7.8 * mebibyte, 'initrd.img': 6.5 * mebibyte, 'root.squashfs': 61 * mebibyte, 'vdd-thin.img': 385 * mebibyte };
const runs = 3;

function timed(args: readonly string[]): number {
  const started = performance.now();
  execFileSync(process.execPath, [program, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  return (performance.now() - started) / 1000;
}

async function makeSignedVersion(parent: string, version: string, keyFile: string): Promise<string> {
  const dir = join(parent, version);
  await makeFakeVersion(dir, version, Object.fromEntries(Object.entries(sizes).map(([name, size]) => [name, Math.round(size)])));
  signVersionDirectory(dir, readPrivateKeyFile(keyFile));
  return dir;
}

export async function benchPublish(work: string) {
  const dir = join(work, 'publish');
  mkdirSync(dir, { recursive: true });
  execFileSync(process.execPath, [program, 'keygen', '--out', join(dir, 'keys')], { stdio: 'ignore' });
  const privateKey = join(dir, 'keys', 'image-key');
  const publicKey = join(dir, 'keys', 'image-key.pub');
  const root = join(dir, 'root');
  const key = ['--key', publicKey];

  const versions: string[] = [];
  for (let index = 0; index < runs + 1; index++) versions.push(await makeSignedVersion(join(dir, 'dist'), `5.${index}.0`, privateKey));
  const bytes = Object.values(sizes).reduce((sum, size) => sum + Math.round(size), 0);

  const verifySeconds: number[] = [];
  for (let index = 0; index < runs; index++) {
    const started = performance.now();
    const check = await verifyVersionDirectory(versions[0] ?? '', readPublicKeyFile(publicKey));
    if (check.problems.length > 0) throw new Error(check.problems.map((problem) => problem.message).join('; '));
    verifySeconds.push((performance.now() - started) / 1000);
  }
  const publishSeconds = versions.map((version) => timed(['publish', '--root', root, '--from', version, '--keep', '10', ...key]));
  const rollbackSeconds: number[] = [];
  for (let index = 0; index < runs; index++) rollbackSeconds.push(timed(['rollback', '--root', root, ...key]));
  const switchOnlySeconds: number[] = [];
  for (let index = 0; index < runs; index++)
    switchOnlySeconds.push(timed(['publish', '--root', root, '--from', versions[index % versions.length] ?? '', '--keep', '10', ...key]));

  // Across file systems (tmpfs to here) publish copies instead of linking.
  let copied: { publishCopiedSeconds: number } | { skipped: string } = { skipped: 'no /dev/shm to publish from' };
  if (existsSync('/dev/shm')) {
    const shm = mkdtempSync('/dev/shm/vdd-bench-publish-');
    try {
      const version = await makeSignedVersion(shm, '6.0.0', privateKey);
      copied = { publishCopiedSeconds: timed(['publish', '--root', root, '--from', version, '--keep', '10', ...key]) };
    } finally {
      rmSync(shm, { recursive: true, force: true });
    }
  }
  rmSync(dir, { recursive: true, force: true });
  const round = (value: number) => Math.round(value * 1000) / 1000;
  return {
    versionMiB: round(bytes / mebibyte),
    payloadMiB: round((sizes.vmlinuz + sizes['initrd.img'] + sizes['root.squashfs']) / mebibyte),
    verifyMBps: round(bytes / 1e6 / median(verifySeconds)),
    verifySeconds: round(median(verifySeconds)),
    // New version, on the same file system: verify the source, copy, verify the published copy, switch.
    publishSeconds: round(median(publishSeconds)),
    // A version already in the root: verify both copies, switch.
    publishAgainSeconds: round(median(switchOnlySeconds)),
    // Verify the target, switch current, previous and vdd.ipxe.
    rollbackSeconds: round(median(rollbackSeconds)),
    ...('publishCopiedSeconds' in copied ? { publishCopiedSeconds: round(copied.publishCopiedSeconds) } : copied),
    runs,
  };
}
