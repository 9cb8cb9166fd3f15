// Netboot updates through the built menu: nginx serves a publish root whose current/manifest.json
// the test rewrites; the menu shows "Update available: VERSION", restarts through a recording
// logind stand-in on a private D-Bus system bus when idle, and ignores (and logs) manifests that
// are garbage, too large or not a manifest.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../../common/manifest/manifest.ts';
import { useChildren, waitFor } from '../../support/children.ts';
import { isolatedArgs, launcherPath, requireLauncher } from '../../support/launcher-binary.ts';
import { startNginx } from '../../support/peers/nginx.ts';
import { startLogindStandIn, type LogindStandIn } from '../../support/logind-stand-in.ts';
import { announceSkip, missingTools } from '../../support/skip-reason.ts';
import { useTempDir } from '../../support/temp-dir.ts';
import { useTerminals } from '../../support/tmux.ts';
import { fetchPublishedManifest } from '../../../launcher/update/check/published-manifest.ts';
import { sampleManifest } from '../../support/sample-manifest.ts';

const unavailable = announceSkip('netboot update checks in the menu', missingTools(['nginx', 'tmux', 'dbus-daemon']));
const children = useChildren();
const terminal = useTerminals();
const dir = useTempDir();

let manager: LogindStandIn['manager'] = { calls: [] };
let busAddress = '';
let serverUrl = '';
let manifestFile = '';
let mtime = Math.floor(Date.now() / 1000) - 1000;

const manifest = (version: string): Manifest => sampleManifest(version);

/** Publishes content as current/manifest.json by rename, with a new mtime so nginx's ETag changes. */
function publish(content: string | Buffer): void {
  const temporary = `${manifestFile}.tmp`;
  writeFileSync(temporary, content);
  mtime += 10;
  utimesSync(temporary, mtime, mtime);
  renameSync(temporary, manifestFile);
}

/** A launcher's private directory: cache, log and the running image's version file. */
function launcherDir(name: string, runningVersion: string): { dir: string; log: string; args: string[] } {
  const own = join(dir, name);
  mkdirSync(own, { recursive: true });
  writeFileSync(join(own, 'image-version'), `vdd-thin ${runningVersion}\n`);
  return {
    dir: own,
    log: join(own, 'launcher.log'),
    args: [...isolatedArgs(own), '--set', `image_version_file=${join(own, 'image-version')}`, '--set', 'update_check_interval=1'],
  };
}

const logText = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : '');

beforeAll(async () => {
  if (unavailable) return;
  requireLauncher();
  chmodSync(dir, 0o755);
  const nginx = await startNginx(children, dir);
  serverUrl = nginx.url;
  mkdirSync(join(nginx.root, 'current'));
  manifestFile = join(nginx.root, 'current', 'manifest.json');
  publish(JSON.stringify(manifest('0.1.0')));
  const logind = await startLogindStandIn(children, dir);
  ({ busAddress, manager } = logind);
  return logind.disconnect;
});

describe.skipIf(unavailable)('netboot update checks in the menu', () => {
  it('restarts an idle PC into a newly published version; the server is the one it netbooted from', async () => {
    const own = launcherDir('idle', '0.1.0');
    const cmdline = join(own.dir, 'cmdline');
    writeFileSync(cmdline, `console=ttyS0 vdd.root=${serverUrl}versions/0.1.0/root.squashfs vdd.root_size=1\n`);
    const args = [...own.args, '--cmdline', cmdline, '--set', 'update_policy=idle', '--set', 'update_idle=3'];
    const menu = terminal([launcherPath, ...args], { env: { DBUS_SYSTEM_BUS_ADDRESS: busAddress } });
    await menu.waitForText('P power');
    await waitFor('the first check', () => logText(own.log).includes(`update: checking ${serverUrl} every 1 s (policy idle); this PC runs 0.1.0`));
    await waitFor(
      'the running version to be seen as current',
      () => logText(own.log).includes('offers 0.1.0, the running version') || logText(own.log).includes('update: check failed'),
    );
    expect(logText(own.log)).not.toContain('check failed');
    expect(menu.screen()).not.toContain('Update available');

    publish(JSON.stringify(manifest('0.2.0')));
    const screen = await menu.waitForText('Update available: 0.2.0');
    expect(screen.split('\n')[0]).toMatch(/^ VDD thin client +Update available: 0\.2\.0 *$/);
    await menu.waitForText(/Restarting for the update to 0\.2\.0/);
    await expect.poll(() => manager.calls, { timeout: 10_000 }).toEqual(['Reboot(false)']);
    expect(logText(own.log)).toContain(`update: ${serverUrl}current/manifest.json offers 0.2.0; this PC runs 0.1.0`);
    menu.close();
  });

  it('leaves the menu unchanged for garbage, a huge file or a document that is not a manifest, and logs why', async () => {
    manager.calls = [];
    publish(JSON.stringify(manifest('0.1.0')));
    const own = launcherDir('bad', '0.1.0');
    const args = [...own.args, '--set', `update_url=${serverUrl}`, '--set', 'update_policy=now'];
    const menu = terminal([launcherPath, ...args], { env: { DBUS_SYSTEM_BUS_ADDRESS: busAddress } });
    await menu.waitForText('P power');
    await waitFor('the first check', () => logText(own.log).includes('the running version'));

    const cases: [string | Buffer, RegExp][] = [
      ['\u001b[2J{"format": 1, "version": "9.9.9", garbage', /manifest rejected: not JSON/],
      [Buffer.alloc(2 * 1024 * 1024, 0x20), /answer of 2097152 bytes is larger than the limit of 1048576/],
      [JSON.stringify({ ...manifest('9.9.9'), version: '../../etc' }), /manifest rejected: version: /],
      [JSON.stringify({ version: '9.9.9' }), /manifest rejected: format: /],
      [JSON.stringify({ ...manifest('9.9.9'), name: 'kiosk' }), /manifest ignored: it is for image kiosk, this PC runs vdd-thin/],
    ];
    for (const [content, reason] of cases) {
      publish(content);
      await waitFor(`the log to say ${reason}`, () => reason.test(logText(own.log)));
      expect(menu.screen()).not.toContain('Update available');
      expect(menu.screen()).not.toContain('Restarting');
    }
    expect(logText(own.log)).not.toContain('\u001b');
    expect(manager.calls).toEqual([]);

    // The checks went on all along: a good manifest is seen, and policy now restarts at once.
    publish(JSON.stringify(manifest('0.3.0')));
    await menu.waitForText('Update available: 0.3.0');
    await expect.poll(() => manager.calls, { timeout: 10_000 }).toEqual(['Reboot(false)']);
    menu.close();
  });

  it('asks with If-None-Match, so an unchanged manifest costs a 304', async () => {
    publish(JSON.stringify(manifest('0.5.0')));
    const options = { timeoutMs: 3000, caFile: '/nonexistent' };
    const first = await fetchPublishedManifest(serverUrl, options);
    expect(first).toMatchObject({ kind: 'manifest', name: 'vdd-thin', version: '0.5.0', url: `${serverUrl}current/manifest.json` });
    const etag = first.kind === 'manifest' ? first.etag : undefined;
    expect(etag).toMatch(/^"/);
    expect(await fetchPublishedManifest(serverUrl, { ...options, etag })).toEqual({ kind: 'not-modified', url: `${serverUrl}current/manifest.json` });
    publish(JSON.stringify(manifest('0.6.0')));
    expect(await fetchPublishedManifest(serverUrl, { ...options, etag })).toMatchObject({ kind: 'manifest', version: '0.6.0' });
  });

  it('with policy never only shows the update, and the info screen says what the checks found', async () => {
    manager.calls = [];
    publish(JSON.stringify(manifest('0.4.0')));
    const own = launcherDir('never', '0.1.0');
    const menu = terminal([launcherPath, ...own.args, '--set', `update_url=${serverUrl}`, '--set', 'update_policy=never', '--set', 'update_idle=1'], {
      env: { DBUS_SYSTEM_BUS_ADDRESS: busAddress },
    });
    await menu.waitForText('Update available: 0.4.0');
    await waitFor('two more checks', () => (logText(own.log).match(/update: /g)?.length ?? 0) >= 2);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(manager.calls).toEqual([]);
    expect(menu.screen()).not.toContain('Restarting');
    // The info screen says what the checks found.
    menu.send('i');
    const info = await menu.waitForText('Updates:');
    // The overlay breaks long lines anywhere, also inside the URL.
    expect(info.replace(/\s+/g, ' ')).toMatch(/Updates: 0\.4\.0 is published at http:\/\/127\.0\.0\.1.*; this PC runs 0\.1\.0/);
  });
});
