// Parses launcher.conf-style INI text into sections of key/value lines, keeping line numbers for messages.

export type IniEntry = { readonly key: string; readonly value: string; readonly line: number };
export type IniSection = { readonly name: string; readonly line: number; readonly entries: IniEntry[] };
export type IniProblem = { readonly line: number; readonly message: string };
export type IniDocument = { readonly sections: IniSection[]; readonly problems: IniProblem[] };

export const iniLimits = { maxBytes: 256 * 1024, maxLineLength: 4096, maxSectionName: 253 } as const;

/** The section keys before any [section] header belong to, as in ltsp.conf. */
export const commonSection = 'common';

const sectionHeader = /^\[\s*([^\]]*?)\s*\]$/;
const assignment = /^([A-Za-z][A-Za-z0-9_.-]*)\s*=\s*(.*)$/;

export function parseIni(text: string): IniDocument {
  const sections: IniSection[] = [];
  const problems: IniProblem[] = [];
  let current: IniSection | undefined;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.length > iniLimits.maxLineLength) {
      problems.push({ line, message: `line longer than ${iniLimits.maxLineLength} characters` });
      return;
    }
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) return;
    const header = sectionHeader.exec(trimmed);
    if (header) {
      const name = header[1] ?? '';
      if (name === '' || name.length > iniLimits.maxSectionName || /[\s[\]]/.test(name)) {
        problems.push({ line, message: `bad section name [${name}]: expected [common], a MAC, an IP or a hostname (globs allowed)` });
        current = { name: '', line, entries: [] };
        return;
      }
      current = { name: name.toLowerCase(), line, entries: [] };
      sections.push(current);
      return;
    }
    const pair = assignment.exec(trimmed);
    if (!pair) {
      problems.push({ line, message: 'syntax error: expected "KEY = value", "[section]" or a # comment' });
      return;
    }
    if (!current) {
      current = { name: commonSection, line, entries: [] };
      sections.push(current);
    }
    // Entries of a rejected section header are dropped: they were meant for some other client.
    if (current.name === '') return;
    current.entries.push({ key: (pair[1] ?? '').toLowerCase(), value: unquote((pair[2] ?? '').trim()), line });
  });
  return { sections, problems };
}

function unquote(value: string): string {
  const first = value[0];
  if (value.length >= 2 && (first === '"' || first === "'") && value.endsWith(first)) return value.slice(1, -1);
  return value;
}
