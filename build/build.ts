// npm run build: bundles the launcher with esbuild and packages it as a Node single-executable
// application (dist/vdd-launcher) with a startup snapshot, from the pinned, stripped Node.
import { chmodSync, copyFileSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { blessedPlugin } from './blessed-plugin.ts';
import { pinnedNodePath } from './pinned-node.ts';
import { runTool } from './run-tool.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
export const launcherBundle = join(dist, 'js/vdd-launcher.cjs');
export const launcherExecutable = join(dist, 'vdd-launcher');

/** Flags baked into the executable: small heap for 512 MB PCs. */
const executableArgs = ['--max-old-space-size=64'];

function step(text: string): void {
  process.stderr.write(`build: ${text}\n`);
}

export async function bundleLauncher(): Promise<void> {
  step('bundling launcher/entry.ts');
  await build({
    entryPoints: [join(root, 'launcher/entry.ts')],
    outfile: launcherBundle,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    minify: true,
    legalComments: 'none',
    // Optional requires of dependencies for features the launcher does not use.
    external: ['x11', 'term.js', 'pty.js', 'usocket'],
    plugins: [blessedPlugin()],
    logLevel: 'warning',
  });
}

export async function packageExecutable(): Promise<void> {
  const node = pinnedNodePath();
  const work = join(dist, '.sea');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const blob = join(work, 'sea-prep.blob');
  const seaConfig = join(work, 'sea-config.json');
  writeFileSync(
    seaConfig,
    JSON.stringify({ main: launcherBundle, output: blob, disableExperimentalSEAWarning: true, useSnapshot: true, execArgv: executableArgs }),
  );
  step('building the startup snapshot');
  runTool(node, ['--experimental-sea-config', seaConfig]);

  step('stripping the pinned Node');
  const output = join(work, 'vdd-launcher');
  copyFileSync(node, output);
  chmodSync(output, 0o755);
  runTool('strip', ['--strip-all', output]);

  step('injecting the application');
  const postject = createRequire(import.meta.url).resolve('postject/dist/cli.js');
  runTool(node, [postject, output, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2']);
  copyFileSync(output, launcherExecutable);
  chmodSync(launcherExecutable, 0o755);
  rmSync(work, { recursive: true, force: true });
  step(`wrote ${launcherExecutable} (${(statSync(launcherExecutable).size / 1e6).toFixed(1)} MB)`);
}

if (import.meta.main) {
  await bundleLauncher();
  await packageExecutable();
}
