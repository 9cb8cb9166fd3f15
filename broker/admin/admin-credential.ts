// The admin credential: a token read once from --admin-token-file (at least 16 characters, the
// file's first line). A request carries it as "Authorization: Bearer TOKEN" (scripts) or as the
// cookie the login form sets (browsers), which holds an HMAC of the token, never the token. Both
// are compared in constant time; neither the token nor a cookie ever reaches the log.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ReadError, readBoundedText } from '../../common/io/read-bounded.ts';

export const adminCookieName = 'vdd_admin';
const minTokenLength = 16;
const maxTokenFileBytes = 4096;

export class AdminTokenError extends Error {
  override readonly name = 'AdminTokenError';
}

export type CredentialCheck = 'ok' | 'missing' | 'wrong';

/** Equal strings, in time that depends only on their hashes. */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export class AdminCredential {
  private readonly token: string;
  /** What the login cookie holds: HMAC(token), so the cookie changes when the token does. */
  readonly cookieValue: string;

  constructor(token: string) {
    this.token = token;
    this.cookieValue = createHmac('sha256', token).update('vdd-broker admin cookie v1').digest('base64url');
  }

  static fromFile(path: string): AdminCredential {
    let text: string;
    try {
      text = readBoundedText(path, maxTokenFileBytes);
    } catch (error) {
      throw new AdminTokenError(`--admin-token-file ${path}: ${error instanceof ReadError ? error.message : String(error)}`, { cause: error });
    }
    const token = (text.split('\n')[0] ?? '').trim();
    if (token.length < minTokenLength || /[^\x21-\x7e]/.test(token))
      throw new AdminTokenError(`--admin-token-file ${path}: the first line must be a token of at least ${minTokenLength} printable characters without spaces`);
    return new AdminCredential(token);
  }

  /** The token typed into the login form. */
  matches(given: string): boolean {
    return sameSecret(given, this.token);
  }

  check(request: IncomingMessage): CredentialCheck {
    const authorization = request.headers.authorization;
    if (authorization !== undefined) {
      const bearer = /^Bearer\s+(\S{1,512})\s*$/i.exec(authorization);
      return bearer?.[1] !== undefined && this.matches(bearer[1]) ? 'ok' : 'wrong';
    }
    const cookie = cookieOf(request.headers.cookie, adminCookieName);
    if (cookie === undefined) return 'missing';
    return sameSecret(cookie, this.cookieValue) ? 'ok' : 'wrong';
  }
}

function cookieOf(header: string | undefined, name: string): string | undefined {
  if (header === undefined || header.length > 8192) return undefined;
  for (const part of header.split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}
