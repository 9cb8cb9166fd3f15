// The root helper's small parts on real files: which disk and slot it works on (kernel command
// line, /proc/mounts), the commit when the menu is reached (trial marker dropped, loaders
// agreeing), the clean-up of an abandoned install, and the watchdog FIFO it writes to.
import { execFileSync } from 'node:child_process';
import { closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBootFiles } from '../../../launcher/update/root-helper/boot-files.ts';
import { findSlotDisk } from '../../../launcher/update/root-helper/slot-disk.ts';
import { commitRunningSlot, stopWatchdog } from '../../../launcher/update/root-helper/slot-helper.ts';
import { runningSlot } from '../../../launcher/update/slot-paths.ts';
import type { BootFiles } from '../../../launcher/update/slot-state.ts';
import { useTempDir } from '../../support/temp-dir.ts';

const dir = useTempDir('vdd-slot-helper-');

function fatWith(name: string, files: BootFiles): string {
  const fat = join(dir, name);
  mkdirSync(join(fat, 'syslinux'), { recursive: true });
  mkdirSync(join(fat, 'loader'), { recursive: true });
  writeFileSync(join(fat, 'syslinux/syslinux.cfg'), `PROMPT 0\nDEFAULT ${files.syslinux}\nLABEL a\nLABEL b\n`);
  writeFileSync(join(fat, 'loader/loader.conf'), `default vdd-${files.loader}.conf\ntimeout 0\n`);
  if (files.trial) writeFileSync(join(fat, 'vdd-trial.txt'), `${files.trial.slot} ${files.trial.phase}\n`);
  return fat;
}

describe('root helper', () => {
  it('knows the running slot only from vdd.root=disk:a|b', () => {
    expect(runningSlot('quiet vdd.root=disk:b console=ttyS0')).toBe('b');
    expect(runningSlot('vdd.root=disk:a vdd.root=disk:b')).toBe('b');
    expect(runningSlot('vdd.root=http://10.0.2.2/root.squashfs')).toBeUndefined();
    expect(runningSlot('vdd.root=disk:c')).toBeUndefined();
  });

  it('refuses to work on a PC that did not start from a flashed disk, or whose VDDBOOT is not a partition 1', () => {
    expect(() => findSlotDisk('vdd.root=http://x/root.squashfs', '', '/run/vdd/disk')).toThrow(/did not start from a flashed disk/);
    expect(() => findSlotDisk('vdd.root=disk:a', 'tmpfs /run tmpfs rw 0 0\n', '/run/vdd/disk')).toThrow(
      /not mounted at \/run\/vdd\/disk from a partition 1 \(found "nothing"\)/,
    );
    expect(() => findSlotDisk('vdd.root=disk:a', '/dev/sda5 /run/vdd/disk vfat ro 0 0\n', '/run/vdd/disk')).toThrow(/found "\/dev\/sda5"/);
  });

  it('commits a slot that reached the menu on its trial start', () => {
    const fat = fatWith('commit', { syslinux: 'b', loader: 'b', trial: { slot: 'b', phase: 'booted' } });
    expect(commitRunningSlot({ fat, devices: { a: '/dev/null', b: '/dev/null' }, running: 'b', publicKey: '' })).toMatch(
      /slot b reached the menu on its trial start: it is good/,
    );
    expect(readBootFiles(fat)).toEqual({ syslinux: 'b', loader: 'b', trial: null });
    expect(readFileSync(join(fat, 'syslinux/syslinux.cfg'), 'utf8')).toBe('PROMPT 0\nDEFAULT b\nLABEL a\nLABEL b\n');
  });

  it('clears an install a power cut left half switched, keeping the running slot', () => {
    const fat = fatWith('cleanup', { syslinux: 'b', loader: 'a', trial: { slot: 'b', phase: 'pending' } });
    expect(commitRunningSlot({ fat, devices: { a: '/dev/null', b: '/dev/null' }, running: 'a', publicKey: '' })).toMatch(
      /unfinished update of slot b was cleared/,
    );
    expect(readBootFiles(fat)).toEqual({ syslinux: 'a', loader: 'a', trial: null });
  });

  it('says nothing changes on a normal start', () => {
    const fat = fatWith('normal', { syslinux: 'a', loader: 'a', trial: null });
    expect(commitRunningSlot({ fat, devices: { a: '/dev/null', b: '/dev/null' }, running: 'a', publicKey: '' })).toBe('slot a is good; nothing to change');
  });

  it("stops the initrd's watchdog through its FIFO, and does not mind when there is none", () => {
    const fifo = join(dir, 'watchdog');
    execFileSync('mkfifo', [fifo]);
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      stopWatchdog(fifo);
      const buffer = Buffer.alloc(16);
      expect(buffer.subarray(0, readSync(reader, buffer)).toString()).toBe('good\n');
    } finally {
      closeSync(reader);
    }
    stopWatchdog(join(dir, 'no-such-fifo'));
    expect(existsSync(join(dir, 'no-such-fifo'))).toBe(false);
  });
});
