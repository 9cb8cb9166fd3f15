// A guest's use as the broker counts it (catalog key use), in words for the menu: "in use
// (lab-pc07, 10:02)" for a desktop someone holds, "3 of 10 free" for a pool. Pure.
import type { Guest } from '../../common/protocol/broker-protocol.ts';

/** HH:MM of a time the broker sent, in the PC's time zone. */
export function clockTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
}

const maxHolderLength = 16;

/** What the menu's state column says: the use where the broker gave one that matters, else the state. */
export function useLabel(guest: Guest): string {
  const { use } = guest;
  if (use === undefined || use.seats === undefined) return guest.state;
  const free = Math.max(0, use.seats - use.sessions);
  if (use.desktops !== undefined) return `${free} of ${use.seats} free`;
  if (free > 0) return guest.state;
  if (use.by === undefined) return 'in use';
  const by = [...use.by].length > maxHolderLength ? `${[...use.by].slice(0, maxHolderLength - 1).join('')}~` : use.by;
  return `in use (${by}${use.since === undefined ? '' : `, ${clockTime(use.since)}`})`;
}
