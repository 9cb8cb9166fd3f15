// Benchmark: size of the single executable, raw and xz-compressed (what an image carries).
import { spawn } from 'node:child_process';
import { createReadStream, statSync } from 'node:fs';

export async function benchLauncherSize(launcher: string): Promise<{ rawMB: number; xzMB: number; xzTargetMB: number }> {
  const xzBytes = await new Promise<number>((resolve, reject) => {
    const xz = spawn('xz', ['-6', '-T0', '-c'], { stdio: ['pipe', 'pipe', 'inherit'] });
    let bytes = 0;
    xz.stdout.on('data', (chunk: Buffer) => (bytes += chunk.length));
    xz.on('error', reject);
    xz.on('exit', (code) => (code === 0 ? resolve(bytes) : reject(new Error(`xz exited with ${code}`))));
    createReadStream(launcher).pipe(xz.stdin);
  });
  const mb = (bytes: number) => Math.round((bytes / 1e6) * 10) / 10;
  return { rawMB: mb(statSync(launcher).size), xzMB: mb(xzBytes), xzTargetMB: 35 };
}
