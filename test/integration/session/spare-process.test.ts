// The spare process against the real /bin/sh: it becomes exactly the planned command (argv,
// whole environment, fd 3 reopened from the launcher's descriptor) with nothing read as shell
// code, refuses what it cannot carry, never keeps the launcher running and exits with it.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { PlannedProcess } from '../../../launcher/session/session-plan.ts';
import { SpareProcess, spareRequest } from '../../../launcher/session/spare-process.ts';
import { SessionProcess } from '../../../launcher/session/session-process.ts';
import { waitFor } from '../../support/children.ts';
import { useTempDir } from '../../support/temp-dir.ts';

const tricky = ['two words', '$HOME', '', 'it\'s "quoted"', 'back\\slash', '*', '$(touch /tmp/never)', ' lead and trail '];

function planned(args: string[], env: Record<string, string> = { PATH: '/usr/bin:/bin', DISPLAY: ':7', ODD: '$PATH `x` ;' }): PlannedProcess {
  return { role: 'viewer', command: 'sh', args, env };
}

/** What a process was started with, read back from /proc. */
function startedWith(pid: number): { argv: string[]; env: string[] } {
  const split = (text: string) => text.split('\0').slice(0, -1);
  return { argv: split(readFileSync(`/proc/${pid}/cmdline`, 'latin1')), env: split(readFileSync(`/proc/${pid}/environ`, 'latin1')).sort() };
}

describe('spare process', () => {
  const dir = useTempDir();
  let spare = new SpareProcess();
  afterEach(async () => {
    await spare.stop();
    spare = new SpareProcess();
  });

  it('becomes exactly the planned command: argv, the whole environment and fd 3', async () => {
    const sparePid = spare.start();
    expect(sparePid).toBeGreaterThan(0);
    const secret = join(dir, 'secret');
    writeFileSync(secret, 'scrambled', { mode: 0o600 });
    const fd = openSync(secret, 'r');
    const viewer = new SessionProcess({ ...planned(['30']), command: 'sleep' }, { 3: fd }, spare);
    expect(viewer.pid).toBe(sparePid);
    const started = await waitFor('the spare to exec sleep', () => {
      const now = startedWith(sparePid as number);
      return now.argv[0] === '/usr/bin/sleep' ? now : undefined;
    });
    expect(started.argv).toEqual(['/usr/bin/sleep', '30']);
    expect(started.env).toEqual(['DISPLAY=:7', 'ODD=$PATH `x` ;', 'PATH=/usr/bin:/bin']);
    expect(readFileSync(`/proc/${sparePid}/fd/3`, 'latin1')).toBe('scrambled');
    await viewer.stop();
    // The launcher's descriptor is closed once the process has gone.
    expect(() => closeSync(fd)).toThrow(/EBADF/);
  });

  it('passes every argument as one literal value', async () => {
    const sparePid = spare.start();
    const viewer = new SessionProcess(planned(['-c', 'printf "[%s]" "$@" >&2', 'name', ...tricky]), {}, spare);
    expect(viewer.pid).toBe(sparePid);
    await expect(viewer.exited).resolves.toEqual({ code: 0, signal: null });
    expect(viewer.stderr).toBe(tricky.map((arg) => `[${arg}]`).join(''));
  });

  it('is not used for what it cannot carry; those processes are spawned', () => {
    expect(spareRequest(planned(['a\nb']), '')).toBeUndefined();
    expect(spareRequest(planned(['x'], { PATH: '/usr/bin:/bin', BAD: 'one\ntwo' }), '')).toBeUndefined();
    // A program not in PATH: the spawn reports it (ENOENT), not the shell.
    expect(spareRequest({ ...planned([]), command: 'no-such-viewer' }, '')).toBeUndefined();
    expect(spareRequest(planned(['-x']), '/proc/1/fd/9')).toBe('/proc/1/fd/9\nPATH=/usr/bin:/bin\nDISPLAY=:7\nODD=$PATH `x` ;\n\n/usr/bin/sh\n-x\n');
    spare.start();
    expect(spare.become(planned(['-c', 'true']), { 3: 'pipe' })).toBeUndefined();
    expect(spare.become(planned(['-c', 'true']), { 4: 5 })).toBeUndefined();
    const child = spare.become(planned(['-c', 'true']), {});
    expect(child?.pid).toBeGreaterThan(0);
    // Taken: the next one has no spare until another is started.
    expect(spare.become(planned(['-c', 'true']), {})).toBeUndefined();
  });

  it('does not keep the launcher running, and exits when it does', async () => {
    const module = fileURLToPath(new URL('../../../launcher/session/spare-process.ts', import.meta.url));
    const launcher = spawn(
      process.execPath,
      ['--input-type=module', '-e', `const { SpareProcess } = await import(${JSON.stringify(module)}); console.log(new SpareProcess().start());`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    launcher.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exit = await new Promise<number | null>((resolve) => launcher.once('exit', resolve));
    expect(exit).toBe(0);
    const sparePid = Number(out.trim());
    expect(sparePid).toBeGreaterThan(0);
    await waitFor('the spare to exit', () => {
      try {
        return readFileSync(`/proc/${sparePid}/stat`, 'latin1').split(' ')[2] === 'Z' ? true : undefined;
      } catch {
        return true;
      }
    });
  });
});
