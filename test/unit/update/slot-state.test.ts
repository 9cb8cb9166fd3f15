// A/B slot state: marker and loader file parsing, and a simulation that cuts the power after
// every step of every plan (install, first start, rollback, commit) on BIOS and UEFI and checks
// that the next start always ends on a slot that is complete and proven, or on trial with a
// proven slot to fall back to.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { syslinuxConfig, systemdBootLoaderConf } from '../../../image/plan/kernel-command-line.ts';
import { parseSpec } from '../../../image/spec/load.ts';
import {
  applyStep,
  cleanupPlan,
  commitPlan,
  formatTrial,
  initrdAction,
  installPlan,
  loaderSlot,
  otherSlot,
  parseTrial,
  rollbackPlan,
  SlotStateError,
  syslinuxSlot,
  withLoaderSlot,
  withSyslinuxSlot,
  type BootFiles,
  type BootStep,
  type Firmware,
  type Slot,
} from '../../../launcher/update/slot-state.ts';

describe('slot state files', () => {
  it('parses and formats the trial marker', () => {
    expect(parseTrial('b pending\n', 'm')).toEqual({ slot: 'b', phase: 'pending' });
    expect(parseTrial('a booted', 'm')).toEqual({ slot: 'a', phase: 'booted' });
    expect(formatTrial({ slot: 'a', phase: 'booted' })).toBe('a booted\n');
    for (const bad of ['', 'c pending\n', 'b done\n', 'b pending\nextra', 'B pending\n']) {
      expect(() => parseTrial(bad, '/x/vdd-trial.txt')).toThrow(/\/x\/vdd-trial.txt: expected/);
    }
  });

  it('reads and switches the default of syslinux.cfg and loader.conf, keeping every other line', () => {
    const syslinux = 'SERIAL 0 115200\nDEFAULT a\nLABEL a\n  KERNEL /a/vmlinuz\nLABEL b\n  KERNEL /b/vmlinuz\n';
    expect(syslinuxSlot(syslinux, 's')).toBe('a');
    expect(withSyslinuxSlot(syslinux, 'b', 's')).toBe(syslinux.replace('DEFAULT a', 'DEFAULT b'));
    const loader = 'default vdd-b.conf\ntimeout 0\neditor no\n';
    expect(loaderSlot(loader, 'l')).toBe('b');
    expect(withLoaderSlot(loader, 'a', 'l')).toBe('default vdd-a.conf\ntimeout 0\neditor no\n');
    expect(() => syslinuxSlot('DEFAULT c\n', 'syslinux.cfg')).toThrow(SlotStateError);
    expect(() => withLoaderSlot('timeout 0\n', 'a', 'loader.conf')).toThrow(/loader.conf: no "default vdd-a.conf"/);
  });

  it("the image's own loader files have an entry per slot and a default the update switches", () => {
    const spec = parseSpec(readFileSync(new URL('../../../image/vdd-thin.json', import.meta.url), 'utf8'), 'vdd-thin.json');
    const built = syslinuxConfig(spec, '1.2.3', 'a');
    expect(syslinuxSlot(built, 'built')).toBe('a');
    const switched = withSyslinuxSlot(built, 'b', 'built');
    expect(switched).toContain('DEFAULT b\n');
    expect(switched).toContain('LABEL a\n  KERNEL /a/vmlinuz\n  INITRD /a/initrd.img\n  APPEND ');
    expect(switched).toMatch(/LABEL b\n {2}KERNEL \/b\/vmlinuz\n {2}INITRD \/b\/initrd.img\n {2}APPEND .*vdd.root=disk:b\n/);
    expect(loaderSlot(withLoaderSlot(systemdBootLoaderConf('a'), 'b', 'built'), 'built')).toBe('b');
  });

  it('installs only from a clean state on the running slot', () => {
    const clean: BootFiles = { syslinux: 'a', loader: 'a', trial: null };
    expect(installPlan(clean, 'a', 'b')).toEqual([
      { kind: 'trial', trial: { slot: 'b', phase: 'pending' } },
      { kind: 'syslinux', slot: 'b' },
      { kind: 'loader', slot: 'b' },
    ]);
    expect(() => installPlan(clean, 'a', 'a')).toThrow(/running slot/);
    expect(() => installPlan({ ...clean, trial: { slot: 'b', phase: 'booted' } }, 'a', 'b')).toThrow(/trial of slot b/);
    expect(() => installPlan({ ...clean, loader: 'b' }, 'a', 'b')).toThrow(/BIOS: a, UEFI: b/);
  });

  it('commit drops the marker first; cleanup and rollback drop it last', () => {
    expect(commitPlan({ syslinux: 'b', loader: 'b', trial: { slot: 'b', phase: 'booted' } }, 'b')).toEqual([{ kind: 'trial', trial: null }]);
    expect(commitPlan({ syslinux: 'b', loader: 'a', trial: { slot: 'b', phase: 'booted' } }, 'b')).toEqual([
      { kind: 'trial', trial: null },
      { kind: 'loader', slot: 'b' },
    ]);
    expect(commitPlan({ syslinux: 'a', loader: 'a', trial: null }, 'a')).toEqual([]);
    expect(cleanupPlan({ syslinux: 'b', loader: 'a', trial: { slot: 'b', phase: 'pending' } }, 'a')).toEqual([
      { kind: 'syslinux', slot: 'a' },
      { kind: 'trial', trial: null },
    ]);
    expect(rollbackPlan({ syslinux: 'b', loader: 'b', trial: { slot: 'b', phase: 'booted' } }, 'b')).toEqual([
      { kind: 'syslinux', slot: 'a' },
      { kind: 'loader', slot: 'a' },
      { kind: 'trial', trial: null },
    ]);
  });
});

// --- power-cut simulation -------------------------------------------------------------------

/** What a slot holds: proven (reached the menu before), a verified new version that works or never reaches the menu, or half-written data. */
type Content = 'proven' | 'works' | 'never-reaches-menu' | 'incomplete';
type World = { files: BootFiles; content: Record<Slot, Content> };

/** Every way the power may be cut while a plan runs: after 0..n steps (n = not cut). */
function cuts(world: World, steps: readonly BootStep[]): World[] {
  const worlds: World[] = [];
  let files = world.files;
  worlds.push({ ...world, files });
  for (const step of steps) {
    files = applyStep(files, step);
    worlds.push({ ...world, files });
  }
  return worlds;
}

/**
 * Starts the PC until it settles, trying every cut point of every plan it runs (depth-bounded).
 * Returns the slots it can end at; throws when a start picks a slot that cannot boot.
 */
function settle(world: World, firmware: Firmware, depth: number, trace: string): Set<Slot> {
  if (depth > 12) throw new Error(`${trace}: does not settle`);
  const action = initrdAction(world.files, firmware);
  const content = world.content[action.slot];
  if (content === 'incomplete') throw new Error(`${trace}: ${firmware} starts slot ${action.slot}, which is not completely written`);
  const ends = new Set<Slot>();
  const after = (worlds: World[], next: (w: World, i: number) => void) => {
    // A cut before the first step is the state already being explored: start at 1.
    for (const [i, w] of worlds.slice(1).entries()) next(w, i === worlds.length - 2 ? -1 : i + 1);
  };
  if (action.kind === 'roll-back') {
    after(cuts(world, action.steps), (w, cut) => {
      for (const slot of settle(w, firmware, depth + 1, `${trace} > rollback ${cut === -1 ? 'done' : `cut@${cut}`}`)) ends.add(slot);
    });
    return ends;
  }
  if (action.kind === 'boot' && content !== 'proven') {
    throw new Error(`${trace}: ${firmware} starts unproven slot ${action.slot} with no trial marker to fall back`);
  }
  let files = world.files;
  if (action.kind === 'start-trial') {
    const fallback = world.content[otherSlot(action.slot)];
    if (fallback !== 'proven') throw new Error(`${trace}: trial of ${action.slot} without a proven slot to fall back to`);
    // The marker step is atomic: cut before it, the start repeats; after it, carry on.
    files = action.steps.reduce(applyStep, files);
    if (content === 'never-reaches-menu') {
      // The watchdog (or the user) restarts the PC.
      for (const slot of settle({ ...world, files }, firmware, depth + 1, `${trace} > trial ${action.slot} failed`)) ends.add(slot);
      return ends;
    }
  }
  // The menu is reached on action.slot: the root helper commits; a cut in the middle restarts.
  const reached: World = { files, content: { ...world.content, [action.slot]: 'proven' } };
  const commit = commitPlan(files, action.slot);
  if (commit.length === 0) return new Set([action.slot]);
  after(cuts(reached, commit), (w, cut) => {
    if (cut === -1) {
      expect(w.files.trial).toBeNull();
      expect(w.files.syslinux).toBe(action.slot);
      expect(w.files.loader).toBe(action.slot);
      ends.add(action.slot);
    } else for (const slot of settle(w, firmware, depth + 1, `${trace} > commit cut@${cut}`)) ends.add(slot);
  });
  return ends;
}

describe('a power cut at any point leaves a bootable slot', () => {
  const firmwares: Firmware[] = ['bios', 'uefi'];

  for (const newSlot of ['works', 'never-reaches-menu'] as const) {
    it(`install of a version that ${newSlot === 'works' ? 'works' : 'never reaches the menu'}, running a, update to b`, () => {
      const start: World = { files: { syslinux: 'a', loader: 'a', trial: null }, content: { a: 'proven', b: 'incomplete' } };
      for (const firmware of firmwares) {
        // Cut while the partition, kernel and initrd of b are written: nothing points at b yet.
        expect(settle(start, firmware, 0, 'writing b')).toEqual(new Set(['a']));
        const written: World = { ...start, content: { a: 'proven', b: newSlot } };
        const plan = installPlan(written.files, 'a', 'b');
        cuts(written, plan).forEach((world, cut) => {
          const ends = settle(world, firmware, 0, `${firmware} install cut@${cut}`);
          const expected = newSlot === 'never-reaches-menu' ? ['a'] : cut === plan.length ? ['b'] : undefined;
          // Cut before the loader this firmware reads switched: a stays; after: b gets its trial.
          if (expected) expect([...ends]).toEqual(expected);
          else expect(ends.size).toBe(1);
        });
      }
    });
  }

  it('the second update goes back the other way (b running, a gets the update)', () => {
    const start: World = { files: { syslinux: 'b', loader: 'b', trial: null }, content: { a: 'proven', b: 'proven' } };
    const plan = installPlan(start.files, 'b', 'a');
    for (const firmware of firmwares) {
      cuts({ ...start, content: { a: 'never-reaches-menu', b: 'proven' } }, plan).forEach((world, cut) => {
        expect([...settle(world, firmware, 0, `${firmware} cut@${cut}`)]).toEqual(['b']);
      });
    }
  });
});
