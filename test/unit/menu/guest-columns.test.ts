import { describe, expect, it } from 'vitest';
import { guestRow, headerRow } from '../../../launcher/menu/guest-columns.ts';

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
});
