// Types for blessed's key parser, which @types/blessed does not describe (used to warm it up).
declare module 'blessed/lib/keys.js' {
  import type { EventEmitter } from 'node:events';
  /** Makes stream emit 'keypress' (ch, key) for the terminal input it emits as 'data'. */
  export function emitKeypressEvents(stream: EventEmitter): void;
}
