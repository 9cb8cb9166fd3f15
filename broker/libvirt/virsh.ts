// Runs virsh against one libvirt connection: an argument array (never a shell string), a timeout,
// bounded output, and a secret (a console ticket in a graphics element) only as an unlinked file on
// descriptor 3 (the file argument /dev/fd/3), never in argv. A failure is a VirshError naming the
// command, its exit status and what virsh said.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unlinkedFile } from '../../common/io/unlinked-file.ts';

const maxOutputBytes = 4 * 1024 * 1024;

export class VirshError extends Error {
  override readonly name = 'VirshError';
  readonly command: readonly string[];
  readonly exitCode: number | null;
  readonly stderr: string;

  constructor(command: readonly string[], outcome: { readonly why: string; readonly exitCode: number | null }, stderr: string) {
    const said = stderr
      .trim()
      .replace(/^error: /gm, '')
      .replace(/\s*\n\s*/g, '; ');
    super(`virsh ${command.join(' ')} ${outcome.why}${said ? `: ${said.slice(0, 500)}` : ''}`);
    this.command = command;
    this.exitCode = outcome.exitCode;
    this.stderr = stderr;
  }

  /** libvirt's own words without virsh's "error:" prefixes, e.g. "Domain not found: ...". */
  get said(): string {
    return this.stderr.trim().replace(/^error: /gm, '');
  }
}

export type VirshOptions = {
  readonly timeoutMs?: number;
  /** Readable by virsh as /dev/fd/3 (e.g. update-device NAME /dev/fd/3): a file unlinked before virsh starts. */
  readonly fileOnFd3?: string;
};

/** The file argument that reads VirshOptions.fileOnFd3. */
export const fd3File = '/dev/fd/3';

let privateDir: string | undefined;

/** A 0700 directory on tmpfs (/dev/shm where there is one) for the moment a secret file exists. */
function secretsDir(): string {
  if (privateDir === undefined) {
    const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'vdd-broker-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    privateDir = dir;
  }
  return privateDir;
}

export function virsh(uri: string, args: readonly string[], options: VirshOptions = {}): Promise<string> {
  const command = ['--quiet', '--connect', uri, ...args];
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const fd3 = options.fileOnFd3 === undefined ? undefined : unlinkedFile(secretsDir(), options.fileOnFd3);
    const child = spawn('virsh', command, { env: { ...process.env, LC_ALL: 'C' }, stdio: ['ignore', 'pipe', 'pipe', ...(fd3 === undefined ? [] : [fd3])] });
    if (fd3 !== undefined) closeSync(fd3);
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';
    let why: string | undefined;
    const timer = setTimeout(() => {
      why = `took longer than ${timeoutMs} ms`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > maxOutputBytes) {
        why = `printed more than ${maxOutputBytes} bytes`;
        child.kill('SIGKILL');
      } else stdout.push(chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-8192);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      why ??= error.code === 'ENOENT' ? 'is not installed (Debian package libvirt-clients)' : `could not run: ${error.message}`;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (why === undefined && code === 0) return resolve(Buffer.concat(stdout).toString('utf8'));
      reject(
        new VirshError(
          command,
          { why: why ?? (signal ? `was killed by ${signal}` : `exited with status ${code}`), exitCode: why === undefined ? code : null },
          stderr,
        ),
      );
    });
  });
}
