import { describe, expect, it } from 'vitest';
import { guestRow, headerRow, stateWidth } from '../../../launcher/menu/guest-columns.ts';

const guest = { id: 'win', name: 'Windows XP', os: 'Windows', protocol: 'vnc', host: 'h', port: 5900, state: 'stopped' } as const;

describe('guest rows', () => {
  it('fill exactly the screen width at 80 and 132 columns', () => {
    for (const columns of [80, 132]) {
      expect([...headerRow(columns)]).toHaveLength(columns);
      expect([...guestRow(guest, 1, columns, false, '…')]).toHaveLength(columns);
    }
  });

  it('show the hotkey for the first nine and mark states as unsure when offline', () => {
    expect(guestRow(guest, 2, 80, false, '~')).toMatch(/^ {4}2 Windows XP +Windows +vnc +stopped +$/);
    expect(guestRow(guest, 10, 80, true, '~')).toMatch(/^ {6}Windows XP .* stopped\? *$/);
  });

  it('cut a 200-character name with the ellipsis', () => {
    const row = guestRow({ ...guest, name: 'N'.repeat(200) }, 1, 80, false, '~');
    expect(row).toContain('NNN~ Windows');
    expect([...row]).toHaveLength(80);
  });

  it('show who holds a desktop and since when, and how many desktops of a pool are free', () => {
    const since = new Date(2026, 0, 5, 10, 2).toISOString();
    const held = { ...guest, state: 'running', use: { sessions: 1, seats: 1, by: 'lab-pc07', since } } as const;
    const pool = { ...guest, id: 'lab', name: 'Lab desktop', state: 'running', use: { sessions: 7, seats: 10, desktops: 10 } } as const;
    const free = { ...guest, state: 'running', use: { sessions: 0, seats: 1 } } as const;
    const states = stateWidth([held, pool, free], false);
    expect(states).toBe('in use (lab-pc07, 10:02)'.length);
    expect(guestRow(held, 1, 80, false, '~', states)).toMatch(/^ {4}1 Windows XP +Windows +vnc +in use \(lab-pc07, 10:02\) *$/);
    expect(guestRow(pool, 2, 80, false, '~', states)).toMatch(/ vnc +3 of 10 free *$/);
    expect(guestRow(free, 3, 80, false, '~', states)).toMatch(/ vnc +running *$/);
    // Offline, the list is the cache's: its use is not current, the state is shown as unsure.
    expect(guestRow(held, 1, 80, true, '~', stateWidth([held], true))).toMatch(/ running\? *$/);
    for (const columns of [80, 132]) {
      expect([...headerRow(columns, states)]).toHaveLength(columns);
      expect([...guestRow({ ...held, use: { ...held.use, by: 'x'.repeat(253) } }, 1, columns, false, '~', 28)]).toHaveLength(columns);
    }
  });
});
