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

/** How a failed virsh ended: why in words, its exit status (null when it did not exit by itself). */
export type VirshOutcome = { readonly why: string; readonly exitCode: number | null; readonly timedOut?: boolean };

export class VirshError extends Error {
  override readonly name = 'VirshError';
  readonly command: readonly string[];
  readonly exitCode: number | null;
  readonly stderr: string;
  /** virsh was killed after its timeout: the VM host did not answer in time. */
  readonly timedOut: boolean;

  /** cause: the error of a virsh that could not be run. */
  constructor(command: readonly string[], outcome: VirshOutcome, stderr: string, options?: ErrorOptions) {
    const said = stderr
      .trim()
      .replace(/^error: /gm, '')
      .replace(/\s*\n\s*/g, '; ');
    super(`virsh ${command.join(' ')} ${outcome.why}${said ? `: ${said.slice(0, 500)}` : ''}`, options);
    this.command = command;
    this.exitCode = outcome.exitCode;
    this.stderr = stderr;
    this.timedOut = outcome.timedOut === true;
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

/** An open, unlinked file holding a secret, made in a 0700 directory of its own on tmpfs (/dev/shm
 * where there is one) that is removed at once: nothing is left behind, and nothing is kept between runs. */
function secretFile(content: string): number {
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'vdd-broker-'));
  try {
    return unlinkedFile(dir, content);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function virsh(uri: string, args: readonly string[], options: VirshOptions = {}): Promise<string> {
  const command = ['--quiet', '--connect', uri, ...args];
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const fd3 = options.fileOnFd3 === undefined ? undefined : secretFile(options.fileOnFd3);
    const child = spawn('virsh', command, { env: { ...process.env, LC_ALL: 'C' }, stdio: ['ignore', 'pipe', 'pipe', ...(fd3 === undefined ? [] : [fd3])] });
    if (fd3 !== undefined) closeSync(fd3);
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';
    let failure: VirshOutcome | undefined;
    let spawnError: Error | undefined;
    const timer = setTimeout(() => {
      failure = { why: `took longer than ${timeoutMs} ms`, exitCode: null, timedOut: true };
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > maxOutputBytes) {
        failure = { why: `printed more than ${maxOutputBytes} bytes`, exitCode: null };
        child.kill('SIGKILL');
      } else stdout.push(chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-8192);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      spawnError ??= error;
      failure ??= { why: error.code === 'ENOENT' ? 'is not installed (Debian package libvirt-clients)' : `could not run: ${error.message}`, exitCode: null };
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (failure === undefined && code === 0) return resolve(Buffer.concat(stdout).toString('utf8'));
      const outcome = failure ?? { why: signal ? `was killed by ${signal}` : `exited with status ${code}`, exitCode: code };
      reject(new VirshError(command, outcome, stderr, spawnError === undefined ? undefined : { cause: spawnError }));
    });
  });
}
