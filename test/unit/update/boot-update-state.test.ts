// What the VDDBOOT partition says of this start, for the status report: a trial of the running
// slot, or a rollback the initrd left word of, with the version installed in the slot it left.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bootUpdateState } from '../../../launcher/update/stage/flashed-agent.ts';
import { bootFilePaths, slotVersionFile } from '../../../launcher/update/slot-state.ts';
import { useTempDir } from '../../support/temp-dir.ts';

const dir = useTempDir('vdd-boot-state-');

function fat(files: Record<string, string>): string {
  const root = mkdtempSync(join(dir, 'fat-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const rollback = 'slot b did not reach the menu on its trial start\n';

describe('the update state a flashed PC reports at start', () => {
  it('is nothing to say without a trial or a rollback, and on-trial for a trial of the running slot', () => {
    expect(bootUpdateState(fat({}), 'a')).toBeUndefined();
    expect(bootUpdateState(fat({ [bootFilePaths.trial]: 'b booted\n' }), 'b')).toEqual({ state: 'on-trial' });
  });

  it('names the version of the slot it rolled back from, with the reason', () => {
    const root = fat({ [bootFilePaths.rollback]: rollback, [`b/${slotVersionFile}`]: '2026.12.1\n', [`a/${slotVersionFile}`]: '2026.11.2\n' });
    expect(bootUpdateState(root, 'a')).toEqual({
      state: 'rolled-back',
      version: '2026.12.1',
      reason: 'slot b did not reach the menu on its trial start',
    });
  });

  it('leaves the version out when the slot has none, and strips what a terminal would act on', () => {
    expect(bootUpdateState(fat({ [bootFilePaths.rollback]: rollback }), 'a')).toEqual({
      state: 'rolled-back',
      reason: 'slot b did not reach the menu on its trial start',
    });
    const odd = fat({ [bootFilePaths.rollback]: rollback, [`b/${slotVersionFile}`]: `\u001b[31m${'9'.repeat(100)}\n` });
    expect(bootUpdateState(odd, 'a')?.version).toBe('9'.repeat(64));
  });
});
