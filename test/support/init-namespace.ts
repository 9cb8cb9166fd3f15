// busybox init as PID 1 of a private PID and mount namespace, respawning a program on its console
// (the terminal it was started in) as the image's init respawns the launcher on tty1. The test's
// inittab is laid over /etc with an overlay only that namespace sees; killing the outer unshare
// (--kill-child) takes the whole namespace down.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const busybox = '/bin/busybox';

/** Why busybox init cannot run here, or undefined when it can. */
export function initNamespaceUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'PID and mount namespaces need root';
  if (!existsSync(busybox)) return `${busybox} is missing (busybox-static; sh build/setup.sh installs it)`;
  return undefined;
}

/** A single-quoted word for the generated sh script (init runs a command line, not an argv). */
function shellWord(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The argv that starts busybox init respawning program with exactly env (nothing inherited).
 * dir holds the inittab overlay and the wrapper script.
 */
export function initNamespaceArgv(dir: string, program: readonly string[], env: Record<string, string>): string[] {
  const upper = join(dir, 'etc-upper');
  mkdirSync(upper, { recursive: true });
  mkdirSync(join(dir, 'etc-work'), { recursive: true });
  const wrapper = join(dir, 'respawned');
  const assignments = Object.entries(env).map(([name, value]) => shellWord(`${name}=${value}`));
  writeFileSync(wrapper, `#!/bin/sh\nexec env -i ${[...assignments, ...program.map(shellWord)].join(' ')}\n`, { mode: 0o755 });
  writeFileSync(join(upper, 'inittab'), `# Test inittab: only the respawned program, on init's console.\n::respawn:${wrapper}\n`);
  const script = 'mount -t overlay overlay -o "lowerdir=/etc,upperdir=$0/etc-upper,workdir=$0/etc-work" /etc && exec "$1" init';
  return ['unshare', '--pid', '--fork', '--kill-child', '--mount-proc', 'sh', '-c', script, dir, busybox];
}
