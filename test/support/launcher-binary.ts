// Runs the built single executable (dist/vdd-launcher) the way a user would.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const launcherPath = fileURLToPath(new URL('../../dist/vdd-launcher', import.meta.url));

export function requireLauncher(): void {
  if (!existsSync(launcherPath)) throw new Error(`${launcherPath} is missing: run npm run build (npm test does it for you)`);
}

/**
 * Arguments that keep a launcher under test to itself: no system config or kernel parameters,
 * a private cache and log, and no network discovery (which would reach past loopback).
 */
export function isolatedArgs(cacheDir: string): string[] {
  return [
    '--config',
    '/dev/null',
    '--disk-config',
    '/dev/null',
    '--cmdline',
    '/dev/null',
    '--set',
    `cache_dir=${cacheDir}`,
    '--set',
    `log_file=${cacheDir}/launcher.log`,
    '--set',
    'discovery_sources=',
  ];
}

export type LauncherResult = { status: number | null; stdout: string; stderr: string };

export function runLauncher(args: readonly string[], env: Record<string, string> = {}, asUser?: string): LauncherResult {
  const baseEnv = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', ...env };
  const [command, argv] = asUser
    ? ['setpriv', ['--reuid', asUser, '--regid', asUser, '--clear-groups', '--', launcherPath, ...args]]
    : [launcherPath, [...args]];
  const result = spawnSync(command, argv, { env: baseEnv, encoding: 'utf8', timeout: 20_000 });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
