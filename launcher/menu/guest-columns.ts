// Lays a guest out as one fixed-width menu row (number, name, OS, protocol, state or use) for any
// screen width; pure, so layouts at 80 and 132 columns are unit-tested. The state column grows to
// the longest label shown ("in use (lab-pc07, 10:02)", "3 of 10 free") at the name's expense.
import type { Guest } from '../../common/protocol/broker-protocol.ts';
import { useLabel } from '../broker-client/guest-use.ts';

export type RowText = { readonly text: string };

const numberWidth = 3;
const osWidth = 14;
const protocolWidth = 5;
const minStateWidth = 11;
const maxStateWidth = 28;

/** The state column's width for these guests. */
export function stateWidth(guests: readonly Guest[], offline: boolean): number {
  const longest = guests.reduce((width, guest) => Math.max(width, [...stateText(guest, offline)].length), 0);
  return Math.min(maxStateWidth, Math.max(minStateWidth, longest));
}

function stateText(guest: Guest, offline: boolean): string {
  return offline ? `${guest.state}?` : useLabel(guest);
}

function fit(text: string, width: number, ellipsis: string): string {
  const chars = [...text];
  if (chars.length <= width) return text + ' '.repeat(width - chars.length);
  return chars.slice(0, Math.max(0, width - ellipsis.length)).join('') + ellipsis;
}

function nameWidth(columns: number, states: number): number {
  return Math.max(8, columns - (2 + numberWidth + 1 + 1 + osWidth + 1 + protocolWidth + 1 + states + 1));
}

export function headerRow(columns: number, states = minStateWidth): string {
  return fit(
    `  ${'#'.padStart(numberWidth)} ${fit('Desktop', nameWidth(columns, states), '')} ${fit('System', osWidth, '')} ${fit('Type', protocolWidth, '')} State`,
    columns,
    '',
  );
}

/** `position` is 1-based among the visible guests; 1-9 are hotkeys; states is stateWidth() of the guests shown. */
export function guestRow(guest: Guest, position: number, columns: number, offline: boolean, ellipsis: string, states = minStateWidth): string {
  const number = position <= 9 ? `${position}`.padStart(numberWidth) : ' '.repeat(numberWidth);
  const text = `  ${number} ${fit(guest.name, nameWidth(columns, states), ellipsis)} ${fit(guest.os, osWidth, ellipsis)} ${fit(guest.protocol, protocolWidth, ellipsis)} ${stateText(guest, offline)}`;
  return fit(text, columns, ellipsis);
}
