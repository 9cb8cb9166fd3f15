import { describe, expect, it } from 'vitest';
import type { Guest } from '../../../common/protocol/broker-protocol.ts';
import { initialMenuState, selectedIndex, update, visibleGuests, type MenuEvent, type MenuState } from '../../../launcher/menu/menu-state.ts';

const guest = (id: string, name: string, os = 'Debian 12'): Guest => ({ id, name, os, protocol: 'xdmcp', host: '10.0.0.1', port: 177, state: 'running' });
const guests = [
  guest('debian', 'Debian desktop'),
  guest('win', 'Windows XP', 'Windows'),
  guest('react', 'ReactOS', 'ReactOS'),
  guest('gentoo', 'Gentoo', 'Gentoo'),
];
const online = { online: true, broker: 'http://broker/' };

function run(state: MenuState, ...events: MenuEvent[]) {
  const effects = [];
  for (const event of events) {
    const result = update(state, event);
    state = result.state;
    effects.push(...result.effects);
  }
  return { state, effects };
}

const key = (k: string): MenuEvent => ({ type: 'key', key: k, pageSize: 2 });
const loaded = (options: { defaultGuest: string; timeout: number; allowQuit?: boolean } = { defaultGuest: '', timeout: 10 }) =>
  run(initialMenuState({ allowQuit: false, ...options }), { type: 'catalog', guests, status: online }).state;

describe('menu state', () => {
  it('moves the cursor with arrows, PgUp/PgDn, Home/End and stops at the ends', () => {
    let { state } = run(loaded(), key('down'), key('down'));
    expect(state.selectedId).toBe('react');
    state = run(state, key('pagedown')).state;
    expect(state.selectedId).toBe('gentoo');
    state = run(state, key('down')).state;
    expect(state.selectedId).toBe('gentoo');
    state = run(state, key('home'), key('up')).state;
    expect(state.selectedId).toBe('debian');
    expect(run(state, key('end')).state.selectedId).toBe('gentoo');
    expect(run(state, key('end'), key('pageup')).state.selectedId).toBe('win');
  });

  it('connects with Enter or a number hotkey', () => {
    expect(run(loaded(), key('down'), key('enter')).effects).toEqual([{ type: 'connect', guestId: 'win' }]);
    expect(run(loaded(), key('3')).effects).toEqual([{ type: 'connect', guestId: 'react' }]);
    expect(run(loaded(), key('9')).effects).toEqual([]);
  });

  it('filters as you type on name, OS and id; Esc clears, Enter keeps the filter', () => {
    let { state } = run(loaded(), key('/'), key('w'), key('I'), key('n'));
    expect(state.filtering).toBe(true);
    expect(visibleGuests(state).map((g) => g.id)).toEqual(['win']);
    state = run(state, key('backspace'), key('backspace'), key('backspace')).state;
    expect(visibleGuests(state)).toHaveLength(4);
    state = run(state, key('r'), key('e'), key('a'), key('enter')).state;
    expect(state).toMatchObject({ filtering: false, filter: 'rea' });
    expect(run(state, key('1')).effects).toEqual([{ type: 'connect', guestId: 'react' }]);
    expect(run(state, key('escape')).state.filter).toBe('');
  });

  it('keeps the cursor on the same guest when the catalog changes order', () => {
    let { state } = run(loaded(), key('down'));
    state = run(state, { type: 'catalog', guests: [...guests].reverse(), status: online }).state;
    expect(state.selectedId).toBe('win');
    expect(selectedIndex(state)).toBe(2);
  });

  it('keeps the cursor on the first guest it showed when the catalog changes order before any key', () => {
    const state = run(loaded(), { type: 'catalog', guests: [...guests].reverse(), status: online }).state;
    expect(state.selectedId).toBe(guests[0]?.id);
    expect(selectedIndex(state)).toBe(guests.length - 1);
  });

  it('counts down to the default guest, restarts the count on every key, then connects', () => {
    let state = loaded({ defaultGuest: 'gentoo', timeout: 3 });
    expect(state.countdown).toBe(3);
    state = run(state, { type: 'tick' }, { type: 'tick' }).state;
    expect(state.countdown).toBe(1);
    state = run(state, key('down')).state;
    expect(state.countdown).toBe(3);
    const end = run(state, { type: 'tick' }, { type: 'tick' }, { type: 'tick' });
    expect(end.effects).toEqual([{ type: 'connect', guestId: 'gentoo' }]);
    expect(end.state.countdown).toBeUndefined();
  });

  it('does not count down when the default guest is not offered or the timeout is 0', () => {
    expect(loaded({ defaultGuest: 'nosuch', timeout: 3 }).countdown).toBeUndefined();
    expect(loaded({ defaultGuest: 'gentoo', timeout: 0 }).countdown).toBeUndefined();
  });

  it('R refreshes, I opens and closes the info screen', () => {
    expect(run(loaded(), key('R')).effects).toEqual([{ type: 'refresh' }]);
    const info = run(loaded(), key('i')).state;
    expect(info.overlay).toEqual({ kind: 'info' });
    expect(run(info, key('enter')).state.overlay).toBeUndefined();
  });

  it('P opens the power menu on "back"; choosing an action asks for it', () => {
    const power = run(loaded(), key('p')).state;
    expect(power.overlay).toEqual({ kind: 'power', index: 2 });
    expect(run(power, key('enter')).effects).toEqual([]);
    expect(run(power, key('up'), key('up'), key('enter')).effects).toEqual([{ type: 'power', action: 'reboot' }]);
    expect(run(power, key('up'), key('enter')).effects).toEqual([{ type: 'power', action: 'poweroff' }]);
    expect(run(power, key('escape')).state.overlay).toBeUndefined();
  });

  it('offers leaving the menu only when allowed', () => {
    const power = run(loaded({ defaultGuest: '', timeout: 0, allowQuit: true }), key('p')).state;
    expect(power.overlay).toEqual({ kind: 'power', index: 3 });
    expect(run(power, key('up'), key('enter')).effects).toEqual([{ type: 'quit' }]);
  });

  it('ignores keys while a session runs and shows the problem after it ends', () => {
    let { state } = run(loaded(), { type: 'session-started', guestId: 'debian', text: 'Connecting' });
    expect(run(state, key('enter')).effects).toEqual([]);
    state = run(state, { type: 'session-ended', problem: { title: 'Debian could not be started', text: 'The password was refused.' } }).state;
    expect(state.overlay).toMatchObject({ kind: 'message', text: 'The password was refused.' });
    expect(run(state, key('enter')).state.overlay).toBeUndefined();
  });
});
