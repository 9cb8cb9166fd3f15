// The menu's screen layout: title bar, guest list, status line and key help. Reads: menu_title.
import blessed from 'blessed';
import { stripControls } from '../text/terminal-safe.ts';

export type MenuScreen = {
  readonly screen: blessed.Widgets.Screen;
  setStatus(text: string): void;
  setGuests(lines: readonly string[]): void;
};

export const keyHelp = 'Enter connect  / filter  R refresh  I info  P power';

export function createMenuScreen(title: string): MenuScreen {
  const screen = blessed.screen({ smartCSR: true, warnings: false, autoPadding: true, title: 'vdd-launcher' });
  blessed.box({ parent: screen, top: 0, left: 0, width: '100%', height: 1, tags: false, content: ` ${stripControls(title)}`, style: { inverse: true } });
  const list = blessed.list({
    parent: screen,
    top: 1,
    left: 0,
    width: '100%',
    height: '100%-3',
    border: { type: 'line' },
    keys: true,
    tags: false,
    style: { selected: { inverse: true } },
    items: [],
  });
  const status = blessed.box({ parent: screen, bottom: 1, left: 0, width: '100%', height: 1, tags: false, content: '' });
  blessed.box({ parent: screen, bottom: 0, left: 0, width: '100%', height: 1, tags: false, content: ` ${keyHelp}`, style: { inverse: true } });
  list.focus();
  return {
    screen,
    setStatus(text) {
      status.setContent(` ${stripControls(text)}`);
    },
    setGuests(lines) {
      list.setItems(lines.map(stripControls));
    },
  };
}
