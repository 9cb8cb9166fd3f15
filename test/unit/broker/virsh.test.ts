// How a virsh run fails, told by fields rather than by words in its message: a timeout, an exit
// status, a virsh that is not installed (with the spawn error as cause); and the secret on fd 3.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fd3File, virsh, VirshError } from '../../../broker/libvirt/virsh.ts';
import { useTempDir } from '../../support/temp-dir.ts';

const dir = useTempDir();
const path = process.env.PATH;
afterEach(() => {
  process.env.PATH = path;
});

/** A virsh on PATH that runs script (its arguments: --quiet --connect URI ARGS...). */
function fakeVirsh(name: string, script: string): void {
  const bin = join(dir, name);
  mkdirSync(bin);
  writeFileSync(join(bin, 'virsh'), `#!/bin/sh\n${script}\n`);
  chmodSync(join(bin, 'virsh'), 0o755);
  process.env.PATH = `${bin}:${path}`;
}

async function failure(run: Promise<string>): Promise<VirshError> {
  const error = await run.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(error).toBeInstanceOf(VirshError);
  return error as VirshError;
}

describe('virsh', () => {
  it('hands the secret over on descriptor 3', async () => {
    fakeVirsh('fd3', 'exec cat /dev/fd/3');
    expect(await virsh('test:///default', ['update-device', 'x', fd3File], { fileOnFd3: 'ticket' })).toBe('ticket');
  });

  it('marks a run killed after its timeout as timed out', async () => {
    fakeVirsh('slow', 'exec sleep 10');
    const error = await failure(virsh('test:///default', ['list'], { timeoutMs: 100 }));
    expect(error).toMatchObject({ timedOut: true, exitCode: null });
    expect(error.message).toContain('took longer than 100 ms');
  });

  it('does not take words in what virsh said for a timeout', async () => {
    fakeVirsh('fails', "echo 'error: the domain took longer than ever' >&2; exit 1");
    const error = await failure(virsh('test:///default', ['list']));
    expect(error).toMatchObject({ timedOut: false, exitCode: 1, said: 'the domain took longer than ever' });
  });

  it('keeps the spawn error of a virsh that is not installed as its cause', async () => {
    mkdirSync(join(dir, 'empty'));
    process.env.PATH = join(dir, 'empty');
    const error = await failure(virsh('test:///default', ['list']));
    expect(error.message).toContain('is not installed (Debian package libvirt-clients)');
    expect(error).toMatchObject({ timedOut: false, exitCode: null, cause: { code: 'ENOENT' } });
  });
});
