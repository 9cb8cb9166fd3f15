// Runs the built launcher inside a test network namespace, for discovery that must see only the
// namespace's network (DHCP servers, DNS, display managers, brokers listening there).
import { spawnSync } from 'node:child_process';
import { launcherPath, type LauncherResult } from '../launcher-binary.ts';

export function runLauncherInNetns(netns: string, args: readonly string[], env: Record<string, string> = {}): LauncherResult {
  const result = spawnSync('ip', ['netns', 'exec', netns, launcherPath, ...args], {
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Settings that make the launcher look only where a discovery test points it: no config files, its own cache, the given sources and DHCP lease file. */
export function discoverySettings(cacheDir: string, sources: string, dhcpFile: string): string[] {
  return [
    '--cmdline',
    '/dev/null',
    '--config',
    '/dev/null',
    '--set',
    `cache_dir=${cacheDir}`,
    '--set',
    `discovery_sources=${sources}`,
    '--set',
    `dhcp_file=${dhcpFile}`,
  ];
}
