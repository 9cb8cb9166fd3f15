// The error convention as a rule: every error class of the programs and common/ names itself
// (`override readonly name = 'XError'`), so a log line or a stack says which error it is; and a
// wrapping error keeps what it wraps as its cause: an error thrown in a catch block and built from
// the caught one (its message, its code) passes it on as cause.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReadError, readBoundedText } from '../../../common/io/read-bounded.ts';
import { importGraph, repository } from '../../../scripts/import-graph.ts';

/** The text from the bracket at open to its matching one (strings and comments are not told apart: callers strip them first). */
function balanced(text: string, open: number): string {
  const close = ({ '{': '}', '(': ')' } as Record<string, string>)[text[open] ?? ''];
  let depth = 0;
  for (let index = open; index < text.length; index++) {
    if (text[index] === text[open]) depth++;
    else if (text[index] === close && --depth === 0) return text.slice(open, index + 1);
  }
  return text.slice(open);
}

/** Code without the words of its strings, regular expressions and comments; the expressions in a
 * template's ${} stay, so that only code is searched for the caught error. */
function codeOnly(text: string): string {
  let code = '';
  let index = 0;
  let depth = 0;
  const templates: number[] = []; // the brace depth at each open ${ of a template
  /** Skips the text of a template up to its end or its next ${. */
  const templateText = () => {
    while (index < text.length && text[index] !== '`' && !(text[index] === '$' && text[index + 1] === '{')) index += text[index] === '\\' ? 2 : 1;
    if (text[index] === '$') {
      templates.push(depth);
      code += '${';
      index += 2;
    } else {
      code += '`';
      index++;
    }
  };
  while (index < text.length) {
    const char = text[index] ?? '';
    const before = code.trimEnd().at(-1) ?? '';
    if (text.startsWith('//', index)) index = text.indexOf('\n', index) === -1 ? text.length : text.indexOf('\n', index);
    else if (text.startsWith('/*', index)) index = text.indexOf('*/', index) === -1 ? text.length : text.indexOf('*/', index) + 2;
    else if (char === '/' && (before === '' || '(,=:[!&|?{};'.includes(before))) {
      let inClass = false;
      for (index++; index < text.length && (inClass || text[index] !== '/'); index++) {
        if (text[index] === '\\') index++;
        else if (text[index] === '[') inClass = true;
        else if (text[index] === ']') inClass = false;
      }
      index++;
      code += '/./';
    } else if (char === "'" || char === '"') {
      for (index++; index < text.length && text[index] !== char; index++) if (text[index] === '\\') index++;
      index++;
      code += `${char}${char}`;
    } else if (char === '`') {
      code += '`';
      index++;
      templateText();
    } else if (char === '}' && templates.at(-1) === depth) {
      templates.pop();
      code += '}';
      index++;
      templateText();
    } else {
      if (char === '{') depth++;
      else if (char === '}') depth--;
      code += char;
      index++;
    }
  }
  return code;
}

describe('named errors', () => {
  const classes = [...importGraph().keys()].flatMap((file) =>
    [...readFileSync(join(repository, file), 'utf8').matchAll(/class (\w+) extends Error \{([\s\S]*?)\n\}/g)].map((match) => ({
      file,
      name: match[1] ?? '',
      body: match[2] ?? '',
    })),
  );

  it('finds the error classes', () => {
    expect(classes.length).toBeGreaterThan(20);
  });

  it('every error class declares its name', () => {
    expect(classes.filter(({ name, body }) => !body.includes(`override readonly name = '${name}'`)).map(({ file, name }) => `${file}: ${name}`)).toEqual([]);
  });

  it('an error built from a caught one passes it on as cause', () => {
    const unkept = [...importGraph().keys()].flatMap((file) => {
      const code = codeOnly(readFileSync(join(repository, file), 'utf8'));
      return [...code.matchAll(/\bcatch \((\w+)\) \{/g)].flatMap((caught) => {
        const block = balanced(code, (caught.index ?? 0) + caught[0].length - 1);
        // The caught error and the names given to it (const failure = error as ...).
        const names = [caught[1], ...[...block.matchAll(new RegExp(`\\bconst (\\w+) = ${caught[1]}\\b`, 'g'))].map((alias) => alias[1])];
        const uses = new RegExp(`(?<![.\\w$])(${names.join('|')})\\b`);
        return [...block.matchAll(/\bnew (\w+)\(/g)]
          .map((created) => ({ name: created[1], call: balanced(block, (created.index ?? 0) + created[0].length - 1) }))
          .filter(
            ({ name, call }) =>
              /Error$|Problem$|Refused$/.test(name ?? '') &&
              uses.test(call) &&
              !/\bcause\b/.test(call) &&
              !new RegExp(`[(,]\\s*${caught[1]}\\s*\\)$`).test(call),
          )
          .map(({ name, call }) => `${file}: new ${name}${call.slice(0, 100)}`);
      });
    });
    expect(unkept).toEqual([]);
  });

  it('the scan reads code, not the words of strings', () => {
    expect(codeOnly("a('error') + `an error ${error.message} and ${`${x}`}` // error")).toBe("a('') + `${error.message}${`${x}`}` ");
    expect(codeOnly('x = /[\'"]error[/]/g; y = a / b / c; z = "it\'s" /* error */')).toBe('x = /./g; y = a / b / c; z = "" ');
  });

  it('a wrapping error keeps its cause', () => {
    let caught: unknown;
    try {
      readBoundedText('/nonexistent/vdd-test-file', 16);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ReadError);
    expect(caught).toMatchObject({ name: 'ReadError', code: 'ENOENT', cause: { code: 'ENOENT' } });
  });
});
