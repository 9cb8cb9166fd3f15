// npm run build: bundles the launcher with esbuild and packages it as a Node single-executable
// application (dist/vdd-launcher) with a startup snapshot, from the pinned, stripped Node.
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { blessedPlugin } from './blessed-plugin.ts';
import { pinnedNodePath } from './pinned-node.ts';
import { runTool } from '../common/process/run-tool.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
export const launcherBundle = join(dist, 'js/vdd-launcher.cjs');
export const launcherExecutable = join(dist, 'vdd-launcher');

/** Flags baked into the executable: a small heap for 512 MB PCs; feedback vectors from a function's
 * first call, so code run once in the menu's warm-up runs the first Enter with its inline caches
 * (a sooner viewer for a little more heap; bench vncFirstFrame and menuIdleMemory show both). */
const executableArgs = ['--max-old-space-size=64', '--no-lazy-feedback-allocation'];

function step(text: string): void {
  process.stderr.write(`build: ${text}\n`);
}

export async function bundleLauncher(): Promise<string> {
  step('bundling launcher/entry.ts');
  mkdirSync(dist, { recursive: true });
  const outfile = join(mkdtempSync(join(dist, '.bundle-')), 'vdd-launcher.cjs');
  await build({
    entryPoints: [join(root, 'launcher/entry.ts')],
    outfile,
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
  return outfile;
}

export async function packageExecutable(bundle: string): Promise<void> {
  const node = pinnedNodePath();
  mkdirSync(dist, { recursive: true });
  // A private work directory and a rename at the end: two builds at once never mix their files.
  const work = mkdtempSync(join(dist, '.sea-'));
  const blob = join(work, 'sea-prep.blob');
  const seaConfig = join(work, 'sea-config.json');
  writeFileSync(seaConfig, JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true, useSnapshot: true, execArgv: executableArgs }));
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
  renameSync(output, launcherExecutable);
  rmSync(work, { recursive: true, force: true });
  step(`wrote ${launcherExecutable} (${(statSync(launcherExecutable).size / 1e6).toFixed(1)} MB)`);
}

if (import.meta.main) {
  const bundle = await bundleLauncher();
  await packageExecutable(bundle);
  mkdirSync(dirname(launcherBundle), { recursive: true });
  renameSync(bundle, launcherBundle);
  rmSync(dirname(bundle), { recursive: true, force: true });
}
