// Turns a failed zod parse into one line a person can act on: where in the document, and what.
import type { z } from 'zod';
import { stripControls } from '../text/terminal-safe.ts';

const shown = 3;
const maxLength = 400;

function where(path: readonly PropertyKey[]): string {
  let text = '';
  for (const part of path) text += typeof part === 'number' ? `[${part}]` : `${text === '' ? '' : '.'}${String(part)}`;
  return text === '' ? 'document' : text;
}

export function describeSchemaProblem(error: z.ZodError): string {
  const issues = error.issues.slice(0, shown).map((issue) => `${where(issue.path)}: ${issue.message}`);
  const more = error.issues.length > shown ? ` (and ${error.issues.length - shown} more problems)` : '';
  const text = stripControls(issues.join('; '));
  return (text.length > maxLength ? `${text.slice(0, maxLength)}…` : text) + more;
}
