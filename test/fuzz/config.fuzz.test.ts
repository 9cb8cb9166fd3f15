// Property tests for every parser of configuration text: INI files, the kernel command line
// and the layered resolution. No input may throw, and nothing unsafe may reach the terminal.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { explainText } from '../../launcher/config/explain.ts';
import { parseIni } from '../../common/launcher-config/ini.ts';
import { splitKernelCmdline, vddParameters } from '../../launcher/config/kernel-cmdline.ts';
import { configKeys } from '../../common/launcher-config/keys.ts';
import { resolveConfig } from '../../common/launcher-config/resolve.ts';
import type { Setting } from '../../common/launcher-config/source.ts';
import type { ValueType } from '../../common/launcher-config/value-types.ts';
import { fuzzRuns, hostileText as anyText, terminalControl } from '../support/fuzz.ts';

const keyNames = Object.keys(configKeys);
const hostileText = fc.oneof(anyText(), fc.constantFrom('vdd.', '*'));
const iniLine = fc.oneof(
  fc.tuple(fc.constantFrom(...keyNames, 'UNKNOWN', 'Menu_Timeout'), hostileText).map(([k, v]) => `${k} = ${v}`),
  hostileText.map((name) => `[${name}]`),
  hostileText,
);
const iniText = fc.array(iniLine, { maxLength: 40 }).map((lines) => lines.join(fc.sample(fc.constantFrom('\n', '\r\n'), 1)[0] ?? '\n'));

describe('config parsers under generated input', () => {
  it('parseIni never throws and reports lines that exist', () => {
    fc.assert(
      fc.property(iniText, (text) => {
        const doc = parseIni(text);
        const lines = text.split(/\r?\n/).length;
        for (const problem of doc.problems) {
          expect(problem.line).toBeGreaterThanOrEqual(1);
          expect(problem.line).toBeLessThanOrEqual(lines);
        }
        for (const section of doc.sections) for (const entry of section.entries) expect(entry.value).not.toMatch(/[\r\n]/);
      }),
      { numRuns: fuzzRuns },
    );
  });

  it('resolveConfig never throws and only ever holds values its schema accepts', () => {
    const setting = fc
      .record({ key: fc.constantFrom(...keyNames, 'nope'), value: hostileText })
      .map(({ key, value }): Setting => ({ key, name: key, value, source: { kind: 'env' } }));
    fc.assert(
      fc.property(fc.array(setting, { maxLength: 20 }), (settings) => {
        const { config } = resolveConfig(settings);
        for (const [key, spec] of Object.entries(configKeys)) {
          const type = spec.type as ValueType<unknown>;
          const value = (config as Record<string, unknown>)[key];
          // A plain call (a throw fails the property): expect() per key per run cost most of the time.
          type.parse(type.format(value));
        }
      }),
      { numRuns: fuzzRuns },
    );
  });

  it('--explain puts no control character or escape sequence on the terminal, whatever the file says', () => {
    fc.assert(
      fc.property(iniText, (text) => {
        const doc = parseIni(text);
        const settings = doc.sections.flatMap((section) =>
          section.entries.map(
            (entry): Setting => ({
              key: entry.key,
              name: entry.key,
              value: entry.value,
              source: { kind: 'file', path: 'f', line: entry.line, section: section.name },
            }),
          ),
        );
        const resolved = resolveConfig(settings);
        const identity = { macs: [], ips: [], hostname: 'h' };
        const output = explainText({ ...resolved, identity, files: [], sections: doc.sections.map((s) => ({ path: 'f', section: s.name, line: s.line })) });
        expect(output.replaceAll('\n', '')).not.toMatch(terminalControl);
      }),
      { numRuns: fuzzRuns },
    );
  });

  it('the kernel command line splitter never throws; only double quotes put blanks in a name', () => {
    const cmdline = fc
      .array(fc.oneof(hostileText, fc.constantFrom('vdd.broker=', '"', ' ', 'vdd.menu_title="a b"', '=')), { maxLength: 30 })
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(cmdline, (text) => {
        const unquoted = !text.includes('"');
        for (const parameter of splitKernelCmdline(text)) if (unquoted) expect(parameter.name).not.toMatch(/\s/);
        for (const parameter of vddParameters(text)) expect(parameter.name).toBe(parameter.name.toLowerCase());
      }),
      { numRuns: fuzzRuns },
    );
  });
});
