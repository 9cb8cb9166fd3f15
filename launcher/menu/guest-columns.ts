// Lays a guest out as one fixed-width menu row (number, name, OS, protocol, state) for any
// screen width; pure, so layouts at 80 and 132 columns are unit-tested.
import type { Guest } from '../../common/protocol/broker-protocol.ts';

export type RowText = { readonly text: string };

const numberWidth = 3;
const osWidth = 14;
const protocolWidth = 5;
const stateWidth = 11;

function fit(text: string, width: number, ellipsis: string): string {
  const chars = [...text];
  if (chars.length <= width) return text + ' '.repeat(width - chars.length);
  return chars.slice(0, Math.max(0, width - ellipsis.length)).join('') + ellipsis;
}

function nameWidth(columns: number): number {
  return Math.max(8, columns - (2 + numberWidth + 1 + 1 + osWidth + 1 + protocolWidth + 1 + stateWidth + 1));
}

export function headerRow(columns: number): string {
  return fit(
    `  ${'#'.padStart(numberWidth)} ${fit('Desktop', nameWidth(columns), '')} ${fit('System', osWidth, '')} ${fit('Type', protocolWidth, '')} State`,
    columns,
    '',
  );
}

/** `position` is 1-based among the visible guests; 1-9 are hotkeys. */
export function guestRow(guest: Guest, position: number, columns: number, offline: boolean, ellipsis: string): string {
  const number = position <= 9 ? `${position}`.padStart(numberWidth) : ' '.repeat(numberWidth);
  const state = offline ? `${guest.state}?` : guest.state;
  const text = `  ${number} ${fit(guest.name, nameWidth(columns), ellipsis)} ${fit(guest.os, osWidth, ellipsis)} ${fit(guest.protocol, protocolWidth, ellipsis)} ${state}`;
  return fit(text, columns, ellipsis);
}
