// Draws a MenuState with blessed: title, column header, the visible window of guest rows,
// broker line, prompt line, key help and the overlay. Plain text only (no tags, no line
// drawing), so it reads the same on TERM=linux, vt100, xterm and a serial console.
import blessed from 'blessed';
import { guestRow, headerRow, stateWidth } from './guest-columns.ts';
import { powerChoices, selectedIndex, updateWarningSeconds, visibleGuests, type MenuState, type Overlay } from './menu-state.ts';

export const keyHelp = 'Enter connect  1-9 pick  / filter  R refresh  I info  P power';

export type MenuContext = {
  readonly title: string;
  /** Lines of the info screen (I), built by the controller from what it knows. */
  infoLines(): readonly string[];
};

/** Leaves the terminal modes the menu's screen set (alternate screen, hidden cursor, colours)
 * at once, for a program that replaces the launcher: blessed's own output may still be buffered. */
export function resetTerminal(screen: blessed.Widgets.Screen): void {
  screen.program.output.write('\x1b[?1049l\x1b[?25h\x1b[0m');
}

/** Rows that are not guest rows: title, header, broker line, prompt line, key help. */
const chromeRows = 5;

export class MenuScreen {
  readonly screen: blessed.Widgets.Screen;
  private readonly title: blessed.Widgets.BoxElement;
  private readonly header: blessed.Widgets.BoxElement;
  private readonly brokerLine: blessed.Widgets.BoxElement;
  private readonly promptLine: blessed.Widgets.BoxElement;
  private readonly overlay: blessed.Widgets.BoxElement;
  private rows: blessed.Widgets.BoxElement[] = [];
  private top = 0;
  private readonly ellipsis: string;
  private readonly color: boolean;

  constructor(screen: blessed.Widgets.Screen) {
    this.screen = screen;
    const { tput } = screen.program as unknown as { tput: { unicode?: boolean; colors?: number } };
    this.ellipsis = tput.unicode ? '…' : '~';
    this.color = (tput.colors ?? 0) >= 8;
    const line = (options: blessed.Widgets.BoxOptions) => blessed.box({ parent: screen, left: 0, width: '100%', height: 1, tags: false, ...options });
    this.title = line({ top: 0, style: { inverse: true } });
    this.header = line({ top: 1, style: { bold: true } });
    this.brokerLine = line({ bottom: 2 });
    this.promptLine = line({ bottom: 1 });
    line({ bottom: 0, content: ` ${keyHelp}`, style: { inverse: true } });
    this.overlay = blessed.box({
      parent: screen,
      top: 'center',
      left: 'center',
      width: '80%',
      height: 'shrink',
      padding: 1,
      tags: false,
      hidden: true,
      style: { inverse: true },
    });
    screen.on('resize', () => (this.rows = this.resizeRows()));
    this.rows = this.resizeRows();
  }

  /** Guest rows on screen, for PgUp/PgDn. */
  get pageSize(): number {
    return this.rows.length;
  }

  private resizeRows(): blessed.Widgets.BoxElement[] {
    for (const row of this.rows) row.destroy();
    const count = Math.max(1, (this.screen.height as number) - chromeRows);
    return Array.from({ length: count }, (_, i) => blessed.box({ parent: this.screen, top: 2 + i, left: 0, width: '100%', height: 1, tags: false }));
  }

  /** Writes what render() drew now; blessed otherwise waits for setImmediate, after other work. */
  flush(): void {
    (this.screen.program as unknown as { flush(): void }).flush();
  }

  render(state: MenuState, context: MenuContext): void {
    const columns = this.screen.width as number;
    const offline = state.status !== undefined && !state.status.online;
    this.title.setContent(titleText(context.title, state, columns));
    const states = stateWidth(visibleGuests(state), offline);
    this.header.setContent(headerRow(columns, states));
    this.renderRows(state, columns, offline, states);
    this.renderBrokerLine(state, offline);
    this.promptLine.setContent(` ${promptText(state)}`);
    this.renderOverlay(state, context);
    this.screen.render();
  }

  private renderRows(state: MenuState, columns: number, offline: boolean, states: number): void {
    const guests = visibleGuests(state);
    const selected = selectedIndex(state);
    const height = this.rows.length;
    if (selected < this.top) this.top = selected;
    if (selected >= this.top + height) this.top = selected - height + 1;
    this.top = Math.max(0, Math.min(this.top, Math.max(0, guests.length - height)));
    this.rows.forEach((row, i) => {
      const index = this.top + i;
      const guest = guests[index];
      row.setContent(guest ? guestRow(guest, index + 1, columns, offline, this.ellipsis, states) : i === 0 ? `  ${emptyText(state)}` : '');
      row.style.inverse = guest !== undefined && index === selected;
    });
  }

  private renderBrokerLine(state: MenuState, offline: boolean): void {
    const status = state.status;
    let text = 'Looking for the VDD broker...';
    if (status && offline) {
      // What matters first, since a long reason is cut at the screen's edge.
      const seconds = status.retryAt === undefined ? undefined : Math.max(0, Math.ceil((status.retryAt - performance.now()) / 1000));
      const retry = seconds === undefined ? '' : ` Trying again in ${seconds} s.`;
      text = `OFFLINE, showing the last list.${retry} ${status.error ?? 'No broker answers.'}`;
    } else if (status?.broker) text = `Broker: ${status.broker}${status.warning ? `; ${status.warning}` : ''}`;
    this.brokerLine.setContent(` ${text}`);
    this.brokerLine.style.inverse = offline && !this.color;
    this.brokerLine.style.bg = offline && this.color ? 'red' : 'default';
    this.brokerLine.style.fg = offline && this.color ? 'white' : 'default';
  }

  private renderOverlay(state: MenuState, context: MenuContext): void {
    if (state.overlay === undefined) {
      this.overlay.hide();
      return;
    }
    this.overlay.setContent(overlayLines(state, state.overlay, context).join('\n'));
    this.overlay.show();
    this.overlay.setFront();
  }
}

function overlayLines(state: MenuState, overlay: Overlay, context: MenuContext): readonly string[] {
  switch (overlay.kind) {
    case 'info':
      return [...context.infoLines(), '', 'Press Enter to go back.'];
    case 'power':
      return [
        'Power',
        '',
        ...powerChoices(state).map((choice, i) => `${i === overlay.index ? '>' : ' '} ${choice.label}`),
        '',
        'Up/Down choose, Enter confirms, Esc goes back.',
      ];
    case 'message':
      return [overlay.title, '', overlay.text, '', 'Press Enter to go back to the list.'];
    case 'session':
      return [overlay.text];
  }
}

function emptyText(state: MenuState): string {
  if (state.filter !== '') return `No desktop matches "${state.filter}".`;
  if (state.status === undefined) return 'Looking for desktops...';
  if (!state.status.online) return 'No list of desktops yet: the broker cannot be reached.';
  return 'The broker offers no desktops right now. Press R to look again.';
}

/** The title, with "Update available: VERSION" at the right edge when the image server offers another version. */
function titleText(title: string, state: MenuState, columns: number): string {
  if (state.update === undefined) return ` ${title}`;
  const notice = `Update available: ${state.update.version} `;
  const room = Math.max(0, columns - notice.length - 2);
  return ` ${title.slice(0, room).padEnd(room)} ${notice}`;
}

function updatePrompt(state: MenuState): string | undefined {
  const pending = state.update;
  if (pending === undefined || state.updatePolicy === 'never') return undefined;
  if (pending.restartRequested) return `Restarting for the update to ${pending.version}...`;
  const left = state.updatePolicy === 'now' ? 0 : state.updateIdle - pending.idleSeconds;
  if (left > updateWarningSeconds) return undefined;
  return `Restarting for the update to ${pending.version} in ${left} s. Any key waits.`;
}

function promptText(state: MenuState): string {
  if (state.filtering) return `Filter: ${state.filter}_   (Enter keeps it, Esc clears it)`;
  const update = updatePrompt(state);
  if (update !== undefined) return update;
  if (state.filter !== '') return `Filter: ${state.filter}   (/ changes it, Esc clears it)`;
  if (state.countdown !== undefined) {
    const guest = state.guests.find((g) => g.id === state.defaultGuest);
    return `Starting ${guest?.name ?? state.defaultGuest} in ${state.countdown} s. Any key waits longer; Enter starts the selected desktop.`;
  }
  // Why the desktop under the cursor cannot be used, before anyone presses Enter on it.
  const selected = visibleGuests(state)[selectedIndex(state)];
  if (selected?.state === 'unavailable' && selected.reason !== undefined) return `${selected.name}: ${selected.reason}`;
  return '';
}
