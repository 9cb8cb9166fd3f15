// Shared pieces of the property tests: how many generated inputs each tries (10,000 in the
// suite, more with VDD_FUZZ_RUNS, the long mode documented in the README), what a hostile peer
// sends, and what must never reach a terminal.
import fc from 'fast-check';
import { expect } from 'vitest';

export const fuzzRuns = Number(process.env.VDD_FUZZ_RUNS ?? 10_000);

/** Control characters and escape sequences a hostile peer would send to a terminal. */
// eslint-disable-next-line no-control-regex
export const terminalControl = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/** Fails when text holds anything terminalControl matches, quoting it escaped. */
export function expectTerminalSafe(text: string): void {
  if (terminalControl.test(text))
    expect.fail(`control character on the terminal: ${JSON.stringify(text).replace(/[\u0080-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16)}`)}`);
}

/** Pieces a hostile peer puts in text: escape sequences, C1 controls, quotes, bidi overrides. */
export const hostilePiece = fc.constantFrom(
  '\u001b[2J',
  '\u001b]0;x\u0007',
  '\u009b31m',
  '\u001bP+q\u001b\\',
  '\r\n',
  '\u0000',
  '"',
  "'",
  '\\',
  '[',
  ']',
  '=',
  '#',
  '\u202e',
  '\ud800',
  '%',
  '/',
  ':',
);

/** Any text, often with hostile pieces in it. */
export function hostileText(maxLength = 300): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ unit: 'binary', maxLength }),
    fc.array(fc.oneof(hostilePiece, fc.string({ maxLength: 12 })), { maxLength: 12 }).map((parts) => parts.join('').slice(0, maxLength)),
  );
}

/** Any bytes. */
export function hostileBytes(maxLength = 256): fc.Arbitrary<Buffer> {
  return fc.uint8Array({ maxLength }).map((bytes) => Buffer.from(bytes));
}
