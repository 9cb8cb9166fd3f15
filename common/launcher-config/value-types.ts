// Value types of configuration keys: each turns the text of a setting into a typed value or says why not.
import { isHost } from '../net/host.ts';

export type ValueType<T> = {
  /** What the value must look like, for messages and docs. */
  readonly expects: string;
  /** Returns the typed value, or throws ValueError saying what is wrong. */
  parse(text: string): T;
  format(value: T): string;
};

export class ValueError extends Error {
  override readonly name = 'ValueError';
}

const maxTextLength = 1024;

function reject(expects: string): never {
  throw new ValueError(`expected ${expects}`);
}

export function integer(min: number, max: number, unit = ''): ValueType<number> {
  const expects = `a whole number from ${min} to ${max}${unit ? ` (${unit})` : ''}`;
  return {
    expects,
    parse(text) {
      if (!/^-?\d{1,12}$/.test(text)) reject(expects);
      const value = Number(text);
      if (value < min || value > max) reject(expects);
      return value;
    },
    format: String,
  };
}

export function boolean(): ValueType<boolean> {
  const expects = 'yes or no (also true/false, on/off, 1/0)';
  return {
    expects,
    parse(text) {
      const word = text.toLowerCase();
      if (['1', 'yes', 'true', 'on'].includes(word)) return true;
      if (['0', 'no', 'false', 'off'].includes(word)) return false;
      reject(expects);
    },
    format: (value) => (value ? 'yes' : 'no'),
  };
}

export function choice<const T extends string>(choices: readonly T[]): ValueType<T> {
  const expects = `one of ${choices.join(', ')}`;
  return {
    expects,
    parse(text) {
      const found = choices.find((c) => c.toLowerCase() === text.toLowerCase());
      if (found === undefined) reject(expects);
      return found;
    },
    format: String,
  };
}

/** Free text without control characters, bounded. An empty value is allowed. */
export function text(maxLength = maxTextLength, pattern?: { regex: RegExp; expects: string }): ValueType<string> {
  const expects = pattern?.expects ?? `text of at most ${maxLength} characters`;
  return {
    expects,
    parse(value) {
      if (value.length > maxLength) throw new ValueError(`longer than ${maxLength} characters`);
      // eslint-disable-next-line no-control-regex
      if (/[\x00-\x1f\x7f-\x9f]/.test(value)) throw new ValueError('contains control characters');
      if (pattern && value !== '' && !pattern.regex.test(value)) reject(expects);
      return value;
    },
    format: (value) => value,
  };
}

export function absolutePath(): ValueType<string> {
  const base = text(4096);
  const expects = 'an absolute path';
  return {
    expects,
    parse(value) {
      const path = base.parse(value);
      if (path !== '' && !path.startsWith('/')) reject(expects);
      return path;
    },
    format: (value) => value,
  };
}

/** auto, or a screen size WIDTHxHEIGHT within what X servers and xrandr accept. */
export function screenSize(): ValueType<string> {
  const [minWidth, minHeight, max] = [320, 200, 16384];
  const expects = `auto or WIDTHxHEIGHT (width ${minWidth}-${max}, height ${minHeight}-${max}), e.g. 1024x768`;
  return {
    expects,
    parse(value) {
      if (value === 'auto') return value;
      const match = /^(\d{3,5})x(\d{3,5})$/.exec(value);
      const [width, height] = [Number(match?.[1]), Number(match?.[2])];
      if (!match || width < minWidth || width > max || height < minHeight || height > max) reject(expects);
      return value;
    },
    format: (value) => value,
  };
}

/** Comma- or space-separated list of http(s) URLs. */
export function urlList(maxItems = 8): ValueType<readonly string[]> {
  const expects = `up to ${maxItems} http:// or https:// URLs separated by commas`;
  return {
    expects,
    parse(value) {
      const items = value.split(/[\s,]+/).filter((item) => item !== '');
      if (items.length > maxItems) throw new ValueError(`more than ${maxItems} URLs`);
      return items.map((item) => {
        if (item.length > 2048) throw new ValueError('URL longer than 2048 characters');
        let url: URL;
        try {
          url = new URL(item);
        } catch {
          reject(expects);
        }
        if (url.protocol !== 'http:' && url.protocol !== 'https:') reject(expects);
        if (url.username || url.password) throw new ValueError('URLs must not carry a user name or password');
        // WHATWG URLs accept hosts such as a.b! that no DNS or broker can have.
        if (!isHost(url.hostname.replace(/^\[(.*)\]$/, '$1'))) throw new ValueError(`${JSON.stringify(url.hostname)} is not a host name or IP address`);
        return url.href;
      });
    },
    format: (value) => value.join(','),
  };
}
