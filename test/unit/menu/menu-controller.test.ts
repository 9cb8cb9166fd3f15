// menuKey: blessed's keypresses -> the menu's key names. MenuController.warmUp: it runs Enter's
// way through the menu without effect; the next real Enter, typed on the terminal, starts a session.
import type { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import blessed from 'blessed';
import { describe, expect, it, vi } from 'vitest';
import type { Guest } from '../../../common/protocol/broker-protocol.ts';
import { MenuController, menuKey } from '../../../launcher/menu/menu-controller.ts';
import { initialMenuState, update } from '../../../launcher/menu/menu-state.ts';

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

  it.each(['enter', 'escape', 'i', 'q', 'space'])('%s from blessed closes the info screen', (name) => {
    const ch = { enter: '\r', escape: '\x1b', space: ' ' }[name] ?? name;
    const pressed = menuKey(ch, { name, full: name });
    expect(pressed).toBeDefined();
    const info = {
      ...initialMenuState({ defaultGuest: '', timeout: 0, allowQuit: false, updatePolicy: 'never', updateIdle: 600 }),
      overlay: { kind: 'info' } as const,
    };
    expect(update(info, { type: 'key', key: pressed ?? '', pageSize: 10 }).state.overlay).toBeUndefined();
  });
});

describe('MenuController.warmUp', () => {
  const guest: Guest = { id: 'desk', name: 'Desk', os: 'Test', protocol: 'vnc', host: '127.0.0.1', port: 5900, state: 'running' };

  it('presses Enter without effect; the next real Enter starts the session', async () => {
    const input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => input });
    const output = Object.assign(new PassThrough(), { isTTY: true, columns: 80, rows: 25 });
    output.resume();
    const screen = blessed.screen({ input, output, terminal: 'vt100', warnings: false });
    const startSession = vi.fn(async (_guest: Guest, _started: (text: string) => void) => ({}));
    const controller = new MenuController(
      screen,
      initialMenuState({ defaultGuest: '', timeout: 0, allowQuit: false, updatePolicy: 'never', updateIdle: 600 }),
      {
        feed: {
          cached: () => ({ guests: [guest], status: { online: true, broker: 'test' } }),
          start: () => {},
          refresh: () => {},
          stop: () => {},
          describeBroker: () => undefined,
        },
        startSession,
        power: async () => ({ via: 'fifo', detail: '' }),
        context: { title: 'test', infoLines: () => [] },
      },
    );
    try {
      const before = controller.current;
      controller.warmUp();
      expect(controller.current).toBe(before);
      expect(startSession).not.toHaveBeenCalled();
      (screen.program as unknown as { input: EventEmitter }).input.emit('data', Buffer.from('\r'));
      await vi.waitFor(() => expect(startSession).toHaveBeenCalledTimes(1));
      expect(startSession.mock.calls[0]![0]).toMatchObject({ id: 'desk' });
    } finally {
      controller.stop();
      screen.destroy();
    }
  });
});
