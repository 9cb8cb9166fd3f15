// Without logind, power requests go to the image's root-owned FIFO; a real FIFO and reader here.
import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requestPower } from '../../../launcher/system/power.ts';
import { useTempDir } from '../../support/temp-dir.ts';

const dir = useTempDir();
const noBus = { DBUS_SYSTEM_BUS_ADDRESS: `unix:path=${join(dir, 'no-bus')}`, PATH: dir };

describe('power requests through the FIFO', () => {
  it('writes the one-word request when logind is absent', async () => {
    const fifo = join(dir, 'power');
    execFileSync('mkfifo', ['-m', '0620', fifo]);
    // The reader end, opened non-blocking so it needs no writer yet, as the image's reader waits.
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    await expect(requestPower('poweroff', noBus, fifo)).resolves.toEqual({ via: 'fifo', detail: fifo });
    const buffer = Buffer.alloc(64);
    expect(buffer.toString('utf8', 0, readSync(reader, buffer))).toBe('poweroff\n');
    closeSync(reader);
  });

  it('fails at once, saying why for each way, when nobody reads the FIFO and there is no command', async () => {
    const fifo = join(dir, 'unread');
    execFileSync('mkfifo', [fifo]);
    await expect(requestPower('reboot', noBus, fifo)).rejects.toThrow(
      new RegExp(`could not restart the computer: logind: no D-Bus system bus at .*; ${fifo}: nobody reads it; reboot: .*ENOENT`),
    );
  });
});
