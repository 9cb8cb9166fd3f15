// The menu as pure data: which guests are listed, the filter, the cursor, the auto-connect
// countdown and the open overlay; update() maps an event to the next state and the effects the
// controller must carry out. No I/O here, so every key path is unit-tested.
import type { Guest } from '../../common/protocol/broker-protocol.ts';
import type { PowerAction } from '../system/power.ts';

export type CatalogStatus = {
  readonly online: boolean;
  /** The broker the list came from. */
  readonly broker?: string;
  /** Why the broker could not be reached, when offline. */
  readonly error?: string;
  /** When the next retry happens, when offline: performance.now() milliseconds, a clock that NTP
   * setting the time after boot (old PCs with a flat CMOS battery start in the past) cannot move. */
  readonly retryAt?: number;
  /** A problem that leaves the list usable, when online (the list could not be saved). */
  readonly warning?: string;
};
export type PowerChoice = { readonly action: PowerAction | 'quit' | 'cancel'; readonly label: string };

/** The power menu's entries; leaving the menu is offered only where the config allows it (demo, admin). */
export function powerChoices(state: MenuState): readonly PowerChoice[] {
  return [
    { action: 'reboot', label: 'Restart this computer' },
    { action: 'poweroff', label: 'Turn this computer off' },
    ...(state.allowQuit ? [{ action: 'quit', label: 'Leave the menu' } as const] : []),
    { action: 'cancel', label: 'Back to the list' },
  ];
}

export type UpdatePolicy = 'never' | 'idle' | 'now';
/** The last seconds before an idle restart for an update, announced on the prompt line. */
export const updateWarningSeconds = 30;

/** A published image version other than the running one (netboot update). */
export type PendingUpdate = {
  readonly version: string;
  /** Seconds since the update became known, the last key, or the last session, whichever is latest. */
  readonly idleSeconds: number;
  /** The restart was asked for (once: a failure is shown, not retried every second). */
  readonly restartRequested: boolean;
};

export type Overlay =
  | { readonly kind: 'info' }
  | { readonly kind: 'power'; readonly index: number }
  | { readonly kind: 'message'; readonly title: string; readonly text: string }
  | { readonly kind: 'session'; readonly guestId: string; readonly text: string };

export type MenuState = {
  readonly guests: readonly Guest[];
  readonly status: CatalogStatus | undefined;
  readonly filter: string;
  readonly filtering: boolean;
  readonly selectedId: string | undefined;
  /** Auto-connect: seconds left before defaultGuest starts; undefined when off. */
  readonly countdown: number | undefined;
  readonly defaultGuest: string | undefined;
  readonly timeout: number;
  readonly allowQuit: boolean;
  readonly overlay: Overlay | undefined;
  readonly update: PendingUpdate | undefined;
  readonly updatePolicy: UpdatePolicy;
  /** Seconds without a key or session before an idle restart (update_idle). */
  readonly updateIdle: number;
};

export type MenuEvent =
  | { readonly type: 'key'; readonly key: string; readonly pageSize?: number }
  | { readonly type: 'catalog'; readonly guests: readonly Guest[]; readonly status: CatalogStatus }
  | { readonly type: 'tick' }
  /** The version the image server offers when it differs from the running one; undefined: none. */
  | { readonly type: 'update'; readonly version: string | undefined }
  | { readonly type: 'session-started'; readonly guestId: string; readonly text: string }
  | { readonly type: 'session-ended'; readonly problem?: { readonly title: string; readonly text: string } };

export type MenuEffect =
  | { readonly type: 'connect'; readonly guestId: string }
  | { readonly type: 'refresh' }
  | { readonly type: 'power'; readonly action: PowerAction }
  | { readonly type: 'quit' };

export function initialMenuState(options: {
  defaultGuest: string;
  timeout: number;
  allowQuit: boolean;
  updatePolicy?: UpdatePolicy;
  updateIdle?: number;
}): MenuState {
  const defaultGuest = options.defaultGuest === '' ? undefined : options.defaultGuest;
  return {
    guests: [],
    status: undefined,
    filter: '',
    filtering: false,
    selectedId: defaultGuest,
    countdown: undefined,
    defaultGuest,
    timeout: options.timeout,
    allowQuit: options.allowQuit,
    overlay: undefined,
    update: undefined,
    updatePolicy: options.updatePolicy ?? 'never',
    updateIdle: options.updateIdle ?? 300,
  };
}

/** The guests the filter lets through, in catalog order. */
export function visibleGuests(state: MenuState): readonly Guest[] {
  if (state.filter === '') return state.guests;
  const needle = state.filter.toLowerCase();
  return state.guests.filter((guest) => `${guest.name}\u0000${guest.os}\u0000${guest.id}`.toLowerCase().includes(needle));
}

/** Index of the cursor among the visible guests (the first one when the selected guest is filtered out). */
export function selectedIndex(state: MenuState): number {
  const index = visibleGuests(state).findIndex((guest) => guest.id === state.selectedId);
  return index === -1 ? 0 : index;
}

type Result = { readonly state: MenuState; readonly effects: readonly MenuEffect[] };

export function update(state: MenuState, event: MenuEvent): Result {
  switch (event.type) {
    case 'catalog': {
      // The highlighted guest stays highlighted when the list changes, also before any key chose it.
      const selectedId = state.selectedId ?? visibleGuests(state)[selectedIndex(state)]?.id;
      return { state: withCountdown({ ...state, guests: event.guests, status: event.status, selectedId }), effects: [] };
    }
    case 'tick': {
      const updated = tickUpdate(state);
      if (updated.effects.length > 0) return updated;
      return tick(updated.state);
    }
    case 'update':
      return {
        state: {
          ...state,
          update:
            event.version === undefined ? undefined : { version: event.version, idleSeconds: 0, restartRequested: state.update?.restartRequested ?? false },
        },
        effects: [],
      };
    case 'session-started':
      return { state: { ...state, countdown: undefined, overlay: { kind: 'session', guestId: event.guestId, text: event.text } }, effects: [] };
    case 'session-ended':
      return {
        state: { ...state, overlay: event.problem ? { kind: 'message', ...event.problem } : undefined },
        effects: [],
      };
    case 'key':
      return onKey(state, event.key, event.pageSize ?? 10);
  }
}

/** Starts the countdown once the default guest is listed (only once: after that, keys restart it). */
function withCountdown(state: MenuState): MenuState {
  if (state.countdown !== undefined || state.defaultGuest === undefined || state.timeout <= 0) return state;
  if (!state.guests.some((guest) => guest.id === state.defaultGuest)) return state;
  return { ...state, countdown: state.timeout };
}

/** Counts idle seconds towards a restart for a pending update; never restarts during a session. */
function tickUpdate(state: MenuState): Result {
  const pending = state.update;
  if (pending === undefined || pending.restartRequested || state.updatePolicy === 'never') return { state, effects: [] };
  if (state.overlay?.kind === 'session')
    return { state: pending.idleSeconds === 0 ? state : { ...state, update: { ...pending, idleSeconds: 0 } }, effects: [] };
  const idleSeconds = pending.idleSeconds + 1;
  if (state.updatePolicy === 'now' || idleSeconds >= state.updateIdle) {
    return { state: { ...state, update: { ...pending, idleSeconds, restartRequested: true } }, effects: [{ type: 'power', action: 'reboot' }] };
  }
  return { state: { ...state, update: { ...pending, idleSeconds } }, effects: [] };
}

function tick(state: MenuState): Result {
  if (state.countdown === undefined || state.overlay !== undefined) return { state, effects: [] };
  if (state.countdown > 1) return { state: { ...state, countdown: state.countdown - 1 }, effects: [] };
  const guestId = state.defaultGuest;
  const next = { ...state, countdown: undefined, defaultGuest: undefined };
  return guestId === undefined ? { state: next, effects: [] } : { state: next, effects: [{ type: 'connect', guestId }] };
}

function onKey(state: MenuState, key: string, pageSize: number): Result {
  // Every keypress restarts the auto-connect countdown and the idle time before an update restart.
  const counted = state.countdown === undefined ? state : { ...state, countdown: state.timeout };
  const restarted = counted.update === undefined || counted.update.idleSeconds === 0 ? counted : { ...counted, update: { ...counted.update, idleSeconds: 0 } };
  const overlay = restarted.overlay;
  if (overlay?.kind === 'session') return { state, effects: [] };
  if (overlay?.kind === 'info' || overlay?.kind === 'message') {
    // Space arrives as the character ' ' (menuKey names only keys without one).
    return { state: ['enter', 'escape', 'i', 'q', ' '].includes(key) ? { ...restarted, overlay: undefined } : restarted, effects: [] };
  }
  if (overlay?.kind === 'power') return onPowerKey(restarted, overlay.index, key);
  if (restarted.filtering) return onFilterKey(restarted, key, pageSize);
  return onListKey(restarted, key, pageSize);
}

function onPowerKey(state: MenuState, index: number, key: string): Result {
  const choices = powerChoices(state);
  const last = choices.length - 1;
  if (key === 'up') return { state: { ...state, overlay: { kind: 'power', index: Math.max(0, index - 1) } }, effects: [] };
  if (key === 'down') return { state: { ...state, overlay: { kind: 'power', index: Math.min(last, index + 1) } }, effects: [] };
  if (key === 'escape' || key === 'p') return { state: { ...state, overlay: undefined }, effects: [] };
  if (key !== 'enter') return { state, effects: [] };
  const choice = choices[index]?.action ?? 'cancel';
  const closed = { ...state, overlay: undefined };
  if (choice === 'cancel') return { state: closed, effects: [] };
  return { state: closed, effects: [choice === 'quit' ? { type: 'quit' } : { type: 'power', action: choice }] };
}

function onFilterKey(state: MenuState, key: string, pageSize: number): Result {
  if (key === 'escape') return { state: { ...state, filtering: false, filter: '' }, effects: [] };
  if (key === 'enter') return { state: { ...state, filtering: false }, effects: [] };
  if (key === 'backspace') return { state: { ...state, filter: state.filter.slice(0, -1) }, effects: [] };
  if (isPrintable(key)) return { state: { ...state, filter: (state.filter + key).slice(0, 64) }, effects: [] };
  return moveCursor(state, key, pageSize) ?? { state, effects: [] };
}

function onListKey(state: MenuState, key: string, pageSize: number): Result {
  const moved = moveCursor(state, key, pageSize);
  if (moved) return moved;
  const visible = visibleGuests(state);
  switch (key.toLowerCase()) {
    case 'enter': {
      const guest = visible[selectedIndex(state)];
      return guest ? connect(state, guest.id) : { state, effects: [] };
    }
    case '/':
      return { state: { ...state, filtering: true }, effects: [] };
    case 'escape':
      return { state: { ...state, filter: '' }, effects: [] };
    case 'r':
      return { state, effects: [{ type: 'refresh' }] };
    case 'i':
      return { state: { ...state, overlay: { kind: 'info' } }, effects: [] };
    case 'p':
      return { state: { ...state, overlay: { kind: 'power', index: powerChoices(state).length - 1 } }, effects: [] };
  }
  if (/^[1-9]$/.test(key)) {
    const guest = visible[Number(key) - 1];
    return guest ? connect({ ...state, selectedId: guest.id }, guest.id) : { state, effects: [] };
  }
  return { state, effects: [] };
}

function connect(state: MenuState, guestId: string): Result {
  return { state: { ...state, selectedId: guestId, countdown: undefined, defaultGuest: undefined }, effects: [{ type: 'connect', guestId }] };
}

function moveCursor(state: MenuState, key: string, pageSize: number): Result | undefined {
  const visible = visibleGuests(state);
  if (visible.length === 0) return undefined;
  const current = selectedIndex(state);
  const last = visible.length - 1;
  const target: Record<string, number> = {
    up: current - 1,
    down: current + 1,
    pageup: current - pageSize,
    pagedown: current + pageSize,
    home: 0,
    end: last,
  };
  const index = target[key];
  if (index === undefined) return undefined;
  return { state: { ...state, selectedId: visible[Math.max(0, Math.min(last, index))]?.id }, effects: [] };
}

function isPrintable(key: string): boolean {
  return [...key].length === 1 && !/[\u0000-\u001f\u007f-\u009f]/.test(key);
}
