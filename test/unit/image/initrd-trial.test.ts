// The initrd's trial handling (image/initrd/trial.sh, run by busybox sh) against the A/B model in
// launcher/update/slot-state.ts: for every boot state and either slot starting, the shell does
// what initrdAction says, and leaves the boot loader files otherwise byte for byte as they were.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { applyStep, formatTrial, initrdAction, slots, type BootFiles, type Trial } from '../../../launcher/update/slot-state.ts';
import { announceSkip, missingTools } from '../../support/skip-reason.ts';
import { useTempDir } from '../../support/temp-dir.ts';

const trialScript = fileURLToPath(new URL('../../../image/initrd/trial.sh', import.meta.url));
const skip = announceSkip('initrd trial script', missingTools(['busybox']));

const syslinux = (slot: string) => `SERIAL 0 115200\nPROMPT 0\nDEFAULT ${slot}\nLABEL a\n  KERNEL /a/vmlinuz\nLABEL b\n  KERNEL /b/vmlinuz\n`;
const loader = (slot: string) => `default vdd-${slot}.conf\ntimeout 0\neditor no\n`;

function writeState(fat: string, files: BootFiles): void {
  rmSync(fat, { recursive: true, force: true });
  mkdirSync(join(fat, 'syslinux'), { recursive: true });
  mkdirSync(join(fat, 'loader'), { recursive: true });
  writeFileSync(join(fat, 'syslinux/syslinux.cfg'), syslinux(files.syslinux));
  writeFileSync(join(fat, 'loader/loader.conf'), loader(files.loader));
  if (files.trial) writeFileSync(join(fat, 'vdd-trial.txt'), formatTrial(files.trial));
}

describe.skipIf(skip)('initrd trial script', () => {
  const dir = useTempDir('vdd-trial-');
  const trials: (Trial | null)[] = [null];
  for (const slot of slots) for (const phase of ['pending', 'booted'] as const) trials.push({ slot, phase });

  for (const bios of slots)
    for (const uefi of slots)
      for (const trial of trials) {
        const files: BootFiles = { syslinux: bios, loader: uefi, trial };
        for (const firmware of ['bios', 'uefi'] as const) {
          const expected = initrdAction(files, firmware);
          it(`BIOS→${bios} UEFI→${uefi} marker ${trial ? `${trial.slot} ${trial.phase}` : 'none'}, ${firmware} starts ${expected.slot}: ${expected.kind}`, () => {
            const fat = join(dir, 'fat');
            writeState(fat, files);
            const action = execFileSync('busybox', ['sh', '-c', `. "${trialScript}" && trial_check "$1" "$2"`, 'sh', fat, expected.slot])
              .toString()
              .trim();
            expect(action).toBe({ boot: 'boot', 'start-trial': 'trial', 'roll-back': 'rollback' }[expected.kind]);
            const after = expected.kind === 'boot' ? files : expected.steps.reduce(applyStep, files);
            expect(readFileSync(join(fat, 'syslinux/syslinux.cfg'), 'utf8')).toBe(syslinux(after.syslinux));
            expect(readFileSync(join(fat, 'loader/loader.conf'), 'utf8')).toBe(loader(after.loader));
            expect(existsSync(join(fat, 'vdd-trial.txt')) ? readFileSync(join(fat, 'vdd-trial.txt'), 'utf8') : null).toBe(
              after.trial ? formatTrial(after.trial) : null,
            );
            // A rollback leaves word of itself for the launcher's report to the broker.
            expect(existsSync(join(fat, 'vdd-rollback.txt')) ? readFileSync(join(fat, 'vdd-rollback.txt'), 'utf8') : null).toBe(
              expected.kind === 'roll-back' ? `slot ${expected.slot} did not reach the menu on its trial start\n` : null,
            );
            for (const leftover of ['syslinux/syslinux.cfg.new', 'loader/loader.conf.new', 'vdd-trial.txt.new', 'vdd-rollback.txt.new'])
              expect(existsSync(join(fat, leftover))).toBe(false);
          });
        }
      }
});
