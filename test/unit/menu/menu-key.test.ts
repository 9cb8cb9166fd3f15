// menuKey: blessed's keypresses -> the menu's key names; the key the warm-up sends is ignored.
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ignoredKey, menuKey } from '../../../launcher/menu/menu-controller.ts';

type Key = { name?: string; ctrl?: boolean; meta?: boolean };
const blessedKeys = createRequire(import.meta.url)('blessed/lib/keys') as { emitKeypressEvents(stream: EventEmitter): void };

/** The keypresses blessed's parser makes of terminal input. */
function parse(input: string): [string | undefined, Key][] {
  const stream = new EventEmitter();
  const pressed: [string | undefined, Key][] = [];
  blessedKeys.emitKeypressEvents(stream);
  stream.on('keypress', (ch: string | undefined, key: Key) => pressed.push([ch, key]));
  stream.emit('data', Buffer.from(input));
  return pressed;
}

describe('menuKey', () => {
  it('names the keys the menu acts on', () => {
    expect(menuKey(undefined, { name: 'enter' })).toBe('enter');
    expect(menuKey(undefined, { name: 'linefeed' })).toBe('enter');
    expect(menuKey('\r', { name: 'return' })).toBeUndefined(); // blessed reports it again as enter
    expect(menuKey('2', { name: '2' })).toBe('2');
    expect(menuKey('/', {})).toBe('/');
    expect(menuKey('c', { name: 'c', ctrl: true })).toBeUndefined();
    expect(menuKey('\x07', {})).toBeUndefined();
  });

  it('ignores the key the warm-up sends through the input path', () => {
    const pressed = parse(ignoredKey);
    expect(pressed).toHaveLength(1);
    const [ch, key] = pressed[0]!;
    expect(key.name).toBe('f12');
    expect(menuKey(ch, key)).toBeUndefined();
  });
});
