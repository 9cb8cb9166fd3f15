// Whether KVM really boots a stock kernel here: a test boot of the image's kernel with the bare
// marker initrd, not a look at /dev/kvm (some hypervisors open it and then hang or abort).
// The verdict is cached per QEMU, host kernel and CPU.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { bootMarker, markerInitrd } from './marker-initrd.ts';
import { qemuArgs } from './qemu-args.ts';

export const qemuCommand = 'qemu-system-x86_64';
const verdictSchema = z.strictObject({ key: z.string(), kvm: z.boolean(), checked: z.string() });

/** Boots kernel + marker initrd; resolves with the serial output when the marker appears, or undefined on timeout/exit. */
export function markerBoot(accel: 'kvm' | 'tcg', kernel: string, timeoutMs: number): Promise<{ seconds: number; output: string } | undefined> {
  const dir = mkdtempSync(join(tmpdir(), 'vdd-marker-'));
  const initrd = join(dir, 'marker.cpio');
  writeFileSync(initrd, markerInitrd());
  const args = qemuArgs({
    accel,
    memoryMiB: 128,
    boot: { kind: 'kernel', kernel, initrd, append: 'console=ttyS0,115200 quiet panic=-1' },
    forwards: [],
    serial: 'stdio',
  });
  const started = Date.now();
  const child = spawn(qemuCommand, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  return new Promise((resolve) => {
    const finish = (found: boolean) => {
      clearTimeout(timer);
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
      rmSync(dir, { recursive: true, force: true });
      resolve(found ? { seconds: (Date.now() - started) / 1000, output } : undefined);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(bootMarker)) finish(true);
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', () => finish(false));
    child.on('exit', () => finish(output.includes(bootMarker)));
  });
}

export async function kvmWorks(kernel: string, cacheDir: string): Promise<boolean> {
  if (!existsSync('/dev/kvm')) return false;
  const qemuVersion = spawnSync(qemuCommand, ['--version'], { encoding: 'utf8' }).stdout ?? '';
  const key = createHash('sha256')
    .update(`${qemuVersion} ${release()} ${cpus()[0]?.model ?? ''}`)
    .digest('hex');
  const cacheFile = join(cacheDir, 'kvm-verdict.json');
  try {
    const cached = verdictSchema.parse(JSON.parse(readFileSync(cacheFile, 'utf8')));
    if (cached.key === key) return cached.kvm;
  } catch {
    // No verdict yet, or an unreadable one: test again.
  }
  const kvm = (await markerBoot('kvm', kernel, 30_000)) !== undefined;
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(cacheFile, `${JSON.stringify({ key, kvm, checked: new Date().toISOString() })}\n`);
  return kvm;
}
