// Makes untrusted text (network, config files, kernel command line) safe to put on a terminal.

// CSI / OSC / DCS / other ESC sequences, 8-bit CSI and lone C0/C1 controls.
const escapeSequence =
  // eslint-disable-next-line no-control-regex
  /\x1b\[[0-?]*[ -/]*[@-~]|\x1b[\]PX^_][\s\S]*?(?:\x07|\x1b\\|\x9c|$)|\x1b[ -/]*[0-~]?|\x9b[0-?]*[ -/]*[@-~]|[\x9d\x90\x98\x9e\x9f][\s\S]*?(?:\x07|\x1b\\|\x9c|$)/g;
// eslint-disable-next-line no-control-regex
const controlCharacter = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Removes escape sequences and control characters; tabs and newlines become spaces. */
export function stripControls(text: string): string {
  return text
    .replace(escapeSequence, '')
    .replace(/[\t\n\r]/g, ' ')
    .replace(controlCharacter, '');
}

/** Quotes a value for an error message: controls shown as \xNN, long values cut. */
export function quote(text: string, max = 60): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  const escaped = cut
    .replace(/["\\]/g, (c) => `\\${c}`)
    .replace(controlCharacter, (c) => {
      const code = c.codePointAt(0) ?? 0;
      return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
    });
  return `"${escaped}"`;
}
