// Benchmark: an A/B update's download + verify throughput (the launcher's half: signed manifest,
// vmlinuz, initrd.img and root.squashfs over loopback HTTP, each checked against the signed size
// and sha256), also after a cut in the middle of root.squashfs (resumed); and the root half's
// install into a slot on a loop device (write while hashing, then read back). Real image
// artifacts when an image is built, else 75 MiB of fake ones.
import { execFileSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { manifestSchema, payloadArtifacts } from '../common/manifest/manifest.ts';
import { signVersionDirectory } from '../image/sign/sign-manifest.ts';
import { installStaged } from '../launcher/update/root-helper/slot-install.ts';
import { stageUpdate } from '../launcher/update/stage/stage-update.ts';
import { makeFakeVersion, makeTestKeys } from '../test/support/fake-version.ts';
import { startUpdateServer } from '../test/support/update-server.ts';
import { median } from './stats.ts';

const mib = 1024 * 1024;
const round = (value: number) => Math.round(value * 10) / 10;

/** imageDir: a built version (dist/image/V) to take the artifacts from, or undefined for fake ones. */
export async function benchAbUpdate(work: string, imageDir: string | undefined, runs = 3) {
  const keys = makeTestKeys();
  const version = join(work, 'ab-version');
  mkdirSync(version, { recursive: true });
  let source: string;
  if (imageDir && payloadArtifacts.every((name) => existsSync(join(imageDir, name)))) {
    for (const name of payloadArtifacts) linkSync(join(imageDir, name), join(version, name));
    const manifest = manifestSchema.parse(JSON.parse(readFileSync(join(imageDir, 'manifest.json'), 'utf8')));
    writeFileSync(join(version, 'manifest.json'), `${JSON.stringify({ ...manifest, version: `${manifest.version}-bench` }, null, 2)}\n`);
    source = `${imageDir} (real artifacts)`;
  } else {
    await makeFakeVersion(version, '0.2.0-bench', { vmlinuz: 8 * mib, 'initrd.img': 6 * mib, 'root.squashfs': 61 * mib });
    source = 'fake artifacts';
  }
  signVersionDirectory(version, keys.privateKey);
  const manifest = manifestSchema.parse(JSON.parse(readFileSync(join(version, 'manifest.json'), 'utf8')));
  const payload = payloadArtifacts.reduce((sum, name) => sum + manifest.artifacts[name].size, 0);
  const server = await startUpdateServer(version);
  const stage = async (staging: string) => {
    rmSync(staging, { recursive: true, force: true });
    const started = performance.now();
    await stageUpdate({ base: server.base, staging, publicKey: keys.publicKeyPem, idleMs: 30_000, attempts: 3 });
    return (performance.now() - started) / 1000;
  };
  try {
    const seconds: number[] = [];
    for (let run = 0; run < runs; run++) seconds.push(await stage(join(work, 'ab-staging')));
    server.cut({ name: 'root.squashfs', afterBytes: Math.floor(manifest.artifacts['root.squashfs'].size / 2), times: 1 });
    const resumedSeconds = await stage(join(work, 'ab-staging-resumed'));
    const install = installFigures(work, join(work, 'ab-staging'), manifest.artifacts['root.squashfs'].size, keys.publicKeyPem);
    return {
      source,
      payloadMiB: round(payload / mib),
      runs,
      downloadVerifySeconds: round(median(seconds)),
      downloadVerifyMBps: round(payload / mib / median(seconds)),
      cutOnceResumedMBps: round(payload / mib / resumedSeconds),
      ...(await install),
    };
  } finally {
    await server.close();
  }
}

/** The root half onto a loop device: root.squashfs written while hashed, then read back. */
async function installFigures(work: string, staging: string, rootBytes: number, publicKey: string) {
  if (process.getuid?.() !== 0) return { install: { skipped: 'needs root for a loop device' } };
  const backing = join(work, 'ab-slot.img');
  writeFileSync(backing, '');
  truncateSync(backing, Math.ceil(rootBytes / mib + 1) * mib);
  const device = execFileSync('losetup', ['--find', '--show', backing]).toString().trim();
  const fat = join(work, 'ab-fat');
  mkdirSync(join(fat, 'syslinux'), { recursive: true });
  mkdirSync(join(fat, 'loader'), { recursive: true });
  writeFileSync(join(fat, 'syslinux/syslinux.cfg'), 'DEFAULT a\nLABEL a\nLABEL b\n');
  writeFileSync(join(fat, 'loader/loader.conf'), 'default vdd-a.conf\n');
  try {
    const started = performance.now();
    await installStaged({ fat, devices: { a: '/dev/null', b: device }, running: 'a', publicKey }, staging);
    const seconds = (performance.now() - started) / 1000;
    return { installSeconds: round(seconds), installWriteAndReadBackMBps: round((2 * rootBytes) / mib / seconds) };
  } finally {
    execFileSync('losetup', ['--detach', device]);
    rmSync(backing, { force: true });
  }
}
