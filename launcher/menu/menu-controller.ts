// Runs the menu: feeds keys, catalog updates and clock ticks through update(), redraws, and
// carries out the effects (connect, refresh, power). Never hands the terminal to a shell:
// Ctrl-C, Ctrl-Z and Ctrl-\ are plain keys here and do nothing.
import type blessed from 'blessed';
import type { PowerAction, PowerResult } from '../system/power.ts';
import { MenuScreen, type MenuContext } from './menu-screen.ts';
import { update, type MenuEffect, type MenuEvent, type MenuState } from './menu-state.ts';
import type { CatalogFeed, SessionStarter } from './ports.ts';

export type MenuDependencies = {
  readonly feed: CatalogFeed;
  readonly startSession: SessionStarter;
  readonly power: (action: PowerAction) => Promise<PowerResult>;
  readonly context: MenuContext;
};

const namedKeys: Record<string, string> = {
  up: 'up',
  down: 'down',
  pageup: 'pageup',
  pagedown: 'pagedown',
  home: 'home',
  end: 'end',
  // blessed reports \r as 'return' and again as 'enter': take only the second. \n is 'linefeed'.
  enter: 'enter',
  linefeed: 'enter',
  escape: 'escape',
  backspace: 'backspace',
};

/** Maps a blessed keypress to the menu's key names; undefined for keys the menu ignores. */
export function menuKey(ch: string | undefined, key: Keypress): string | undefined {
  if (key.ctrl || key.meta) return undefined;
  const named = key.name === undefined ? undefined : namedKeys[key.name];
  if (named) return named;
  if (ch !== undefined && [...ch].length === 1 && !/[\u0000-\u001f\u007f-\u009f]/.test(ch)) return ch;
  return undefined;
}

/** The screen stays as it is for a session's first ms: the first frame of a guest that answers at
 * once is drawn by then, and a menu redraw (a few ms of CPU, more on an old PC) would delay it. */
const sessionQuietMs = 150;

/** How often the warm-up runs Enter: V8 gives a function its inline caches (feedback) only
 * after several calls, and until then each property access takes the slow path. */
const warmUpPresses = 4;

type Keypress = { name?: string; ctrl?: boolean; meta?: boolean; full?: string };

export class MenuController {
  private state: MenuState;
  private readonly view: MenuScreen;
  private readonly deps: MenuDependencies;
  private busy = false;
  private rendersHeldUntil = 0;
  private renderHeld = false;
  private readonly ticker: NodeJS.Timeout;
  private readonly quitRequested: Promise<void>;
  private quit: () => void = () => {};

  constructor(screen: blessed.Widgets.Screen, initial: MenuState, deps: MenuDependencies) {
    this.view = new MenuScreen(screen);
    this.deps = deps;
    this.quitRequested = new Promise((resolve) => (this.quit = resolve));
    const cached = deps.feed.cached();
    this.state = cached ? update(initial, { type: 'catalog', ...cached }).state : initial;
    this.view.render(this.state, deps.context);
    // The first frame goes out before discovery and fetching start loading their code.
    this.view.flush();
    screen.on('keypress', (ch: string | undefined, key: Keypress) => {
      const event = this.keyEvent(ch, key);
      if (event) this.dispatch(event);
    });
    screen.on('resize', () => this.redraw());
    deps.feed.start((snapshot) => this.dispatch({ type: 'catalog', ...snapshot }));
    this.ticker = setInterval(() => this.dispatch({ type: 'tick' }), 1000);
  }

  get current(): MenuState {
    return this.state;
  }

  /** Draws the state, unless renders are held (then once they are released); also for what the
   * context shows that changed outside the state (e.g. hardware facts). */
  redraw(): void {
    if (performance.now() < this.rendersHeldUntil) {
      this.renderHeld = true;
      return;
    }
    this.view.render(this.state, this.deps.context);
  }

  /** The state keeps changing, but the screen is drawn only after ms (or releaseRenders). */
  private holdRenders(ms: number): void {
    this.rendersHeldUntil = performance.now() + ms;
    setTimeout(() => this.releaseRenders(), ms).unref();
  }

  private releaseRenders(): void {
    this.rendersHeldUntil = 0;
    if (!this.renderHeld) return;
    this.renderHeld = false;
    this.view.render(this.state, this.deps.context);
  }

  /** The image server offers another version (undefined: no longer); the state decides when to restart. */
  offerUpdate(version: string | undefined): void {
    this.dispatch({ type: 'update', version });
  }

  /** Runs what a first Enter would, without its effects: the keypress made into the menu's event
   * and update() computed for it (pure, its result dropped), a few times, and update() for the
   * session's start on the current state. Called once the first frame is out, so the first Enter a
   * person presses runs code V8 has compiled and given its inline caches. */
  warmUp(): void {
    for (let press = 0; press < warmUpPresses; press++) {
      const event = this.keyEvent('\r', { name: 'enter', full: 'enter' });
      if (event) update(this.state, event);
    }
    const guest = this.state.guests[0];
    if (guest !== undefined) update(this.state, { type: 'session-started', guestId: guest.id, text: `Connecting to ${guest.name}...` });
  }

  /** Resolves when the user leaves the menu (only offered when menu_allow_quit is set). */
  get left(): Promise<void> {
    return this.quitRequested;
  }

  stop(): void {
    clearInterval(this.ticker);
    this.deps.feed.stop();
  }

  /** The menu's event for a keypress as blessed reports it; undefined for keys the menu ignores. */
  private keyEvent(ch: string | undefined, key: Keypress): MenuEvent | undefined {
    const name = menuKey(ch, key);
    return name === undefined ? undefined : { type: 'key', key: name, pageSize: this.view.pageSize };
  }

  private dispatch(event: MenuEvent): void {
    const result = update(this.state, event);
    // A tick changes the screen only through the countdown or the offline retry clock.
    const unchanged = result.state === this.state && event.type === 'tick' && this.state.status?.retryAt === undefined;
    this.state = result.state;
    if (result.effects.some((effect) => effect.type === 'connect')) this.holdRenders(sessionQuietMs);
    if (!unchanged) this.redraw();
    for (const effect of result.effects) void this.carryOut(effect);
  }

  private async carryOut(effect: MenuEffect): Promise<void> {
    switch (effect.type) {
      case 'refresh':
        this.deps.feed.refresh();
        return;
      case 'quit':
        this.quit();
        return;
      case 'power':
        try {
          await this.deps.power(effect.action);
        } catch (error) {
          this.dispatch({ type: 'session-ended', problem: { title: 'The computer could not be restarted or turned off', text: (error as Error).message } });
        }
        return;
      case 'connect':
        await this.connect(effect.guestId);
    }
  }

  private async connect(guestId: string): Promise<void> {
    const guest = this.state.guests.find((g) => g.id === guestId);
    if (this.busy) return;
    if (!guest) {
      this.dispatch({
        type: 'session-ended',
        problem: { title: 'Desktop not found', text: `The broker no longer offers "${guestId}". Choose another desktop.` },
      });
      return;
    }
    this.busy = true;
    this.dispatch({ type: 'session-started', guestId, text: `Connecting to ${guest.name}...` });
    try {
      const outcome = await this.deps.startSession(guest, (text) => this.dispatch({ type: 'session-started', guestId, text }));
      this.dispatch({ type: 'session-ended', ...(outcome.problem ? { problem: outcome.problem } : {}) });
    } catch (error) {
      this.dispatch({ type: 'session-ended', problem: { title: `${guest.name} could not be started`, text: (error as Error).message } });
    } finally {
      this.busy = false;
      this.releaseRenders();
    }
  }
}
