// Runs virsh against one libvirt connection (argument arrays, a timeout, bounded output); a
// failure names the command, its exit status and what virsh said.
import { execFile } from 'node:child_process';

export class VirshError extends Error {}

export function virsh(uri: string, args: readonly string[], timeoutMs = 10_000): Promise<string> {
  const argv = ['--quiet', '--connect', uri, ...args];
  return new Promise((resolve, reject) => {
    execFile('virsh', argv, { timeout: timeoutMs, maxBuffer: 1024 * 1024, env: { ...process.env, LC_ALL: 'C' } }, (error, stdout, stderr) => {
      if (error === null) return resolve(stdout);
      const status =
        (error as NodeJS.ErrnoException).code === 'ENOENT'
          ? 'is not installed (Debian package libvirt-clients)'
          : error.killed
            ? `took longer than ${timeoutMs} ms`
            : `exited with status ${String(error.code)}`;
      reject(new VirshError(`virsh ${argv.join(' ')} ${status}${stderr.trim() ? `: ${stderr.trim().slice(0, 500)}` : ''}`));
    });
  });
}
