// publish and rollback while nginx serves the published root to concurrent clients that fetch
// vdd.ipxe, current/manifest.json, its signature and the artifacts it names in a loop, as netboot
// clients and the update agent do: no client may ever see a missing file, a signature that does
// not match, or an artifact that is not the one the manifest names.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { versionPattern, type Manifest } from '../../../common/manifest/manifest.ts';
import { signVersionDirectory } from '../../../image/sign/sign-manifest.ts';
import { verifySignedManifest } from '../../../common/manifest/manifest-signature.ts';
import { useChildren } from '../../support/children.ts';
import { makeFakeVersion, makeTestKeys } from '../../support/fake-version.ts';
import { startNginx } from '../../support/peers/nginx.ts';
import { announceSkip, missingTools } from '../../support/skip-reason.ts';
import { useTempDir } from '../../support/temp-dir.ts';

const program = new URL('../../../bin/vdd-image.js', import.meta.url).pathname;
const skip = announceSkip('publish under load', missingTools(['nginx']));
const versions = ['3.0.0', '3.1.0', '3.2.0', '3.3.0'];
const switches = 12;
const fastSwitches = 1500;
const switcher = new URL('../../support/publish-switcher.ts', import.meta.url).pathname;
/** Clients that fetch the artifacts too, and clients that only read the small files. */
const fullClients = 2;
const lightClients = 6;

interface ClientTally {
  rounds: number;
  seen: Set<string>;
  problems: string[];
}

async function get(url: string): Promise<Buffer> {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`${url}: HTTP ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

/**
 * One client round, as a netboot client and the update agent read the root. Light rounds skip
 * the artifacts: many small requests a second are what finds a gap of microseconds in a switch.
 */
async function clientRound(base: string, publicKeyPem: string, tally: ClientTally, light: boolean): Promise<void> {
  const script = (await get(`${base}vdd.ipxe`)).toString();
  const scripted = /versions\/([^/]+)\//.exec(script)?.[1];
  if (scripted === undefined) throw new Error(`vdd.ipxe names no version:\n${script}`);
  if (!light) await get(`${base}versions/${scripted}/vdd.ipxe`);
  const manifestBytes = await get(`${base}current/manifest.json`);
  const version = (JSON.parse(manifestBytes.toString()) as { version: unknown }).version;
  if (typeof version !== 'string' || !versionPattern.test(version)) throw new Error(`current/manifest.json names no version`);
  const signatureText = (await get(`${base}versions/${version}/manifest.json.sig`)).toString();
  const manifest: Manifest = verifySignedManifest({ manifestBytes, signatureText, publicKey: publicKeyPem, source: `${base}current/` });
  tally.seen.add(version);
  if (light) return;
  for (const name of ['vmlinuz', 'root.squashfs'] as const) {
    const bytes = await get(`${base}versions/${version}/${name}`);
    const expected = manifest.artifacts[name];
    if (bytes.length !== expected.size || createHash('sha256').update(bytes).digest('hex') !== expected.sha256) {
      throw new Error(`versions/${version}/${name}: not the artifact the manifest names`);
    }
    if (!bytes.subarray(0, 64).toString().startsWith(`${version}/${name}\n`)) throw new Error(`versions/${version}/${name}: another version's content`);
  }
}

describe.skipIf(skip)('publish and rollback under load (nginx, concurrent clients)', () => {
  const dir = useTempDir('vdd-publish-load-');
  const children = useChildren();

  it('clients never see a missing file or a mixed version', { timeout: 180_000 }, async () => {
    const keys = makeTestKeys();
    writeFileSync(join(dir, 'image-key.pub'), keys.publicKeyPem);
    for (const version of versions) {
      await makeFakeVersion(join(dir, 'dist', version), version, { vmlinuz: 64 * 1024, 'root.squashfs': 256 * 1024 });
      signVersionDirectory(join(dir, 'dist', version), keys.privateKey);
    }
    const nginx = await startNginx(children, dir);
    const root = join(nginx.root, 'vdd');
    const base = `${nginx.url}vdd/`;
    let step = 0;
    /** Runs one vdd-image command as its own process, as an admin would. */
    const vddImage = async (...args: string[]): Promise<void> => {
      const child = children.start(`vdd-image ${args[0]} #${step++}`, process.execPath, [
        program,
        ...args,
        '--root',
        root,
        '--key',
        join(dir, 'image-key.pub'),
      ]);
      const { code } = await child.exited;
      if (code !== 0) throw new Error(`vdd-image ${args.join(' ')} exited ${code}:\n${child.log}`);
    };
    for (const version of versions) await vddImage('publish', '--from', join(dir, 'dist', version), '--keep', '5');

    let switching = true;
    const tallies = Array.from({ length: fullClients + lightClients }, (): ClientTally => ({ rounds: 0, seen: new Set(), problems: [] }));
    const clients = tallies.map(async (tally, index) => {
      while (switching) {
        try {
          await clientRound(base, keys.publicKeyPem, tally, index >= fullClients);
        } catch (error) {
          tally.problems.push((error as Error).message);
        }
        tally.rounds++;
      }
    });
    try {
      // First as an admin does it, one command at a time; then a process switching as fast as
      // it can, so that a gap of microseconds in a switch would be hit by some request.
      for (let index = 0; index < switches; index++) {
        if (index % 3 === 2) await vddImage('rollback');
        else await vddImage('publish', '--from', join(dir, 'dist', versions[index % versions.length] ?? ''), '--keep', '5');
      }
      const fast = children.start('publish-switcher', process.execPath, [
        switcher,
        root,
        join(dir, 'image-key.pub'),
        String(fastSwitches),
        ...versions.map((version) => join(dir, 'dist', version)),
      ]);
      const { code } = await fast.exited;
      if (code !== 0) throw new Error(`publish-switcher exited ${code}:\n${fast.log}`);
    } finally {
      switching = false;
      await Promise.all(clients);
    }

    const problems = tallies.flatMap((tally) => tally.problems);
    expect(problems).toEqual([]);
    const rounds = tallies.reduce((sum, tally) => sum + tally.rounds, 0);
    // Enough rounds overlapped the switches to mean something, and the clients saw them happen.
    expect(rounds).toBeGreaterThan(switches * 10);
    expect(new Set(tallies.flatMap((tally) => [...tally.seen])).size).toBeGreaterThanOrEqual(3);
    console.info(`publish under load: ${rounds} client rounds over ${switches + fastSwitches} switches, no problem seen`);
  });
});
