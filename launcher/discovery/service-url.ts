// Builds a broker URL from a service record (DNS-SD or DNS SRV): address, port and the TXT keys
// path= (the broker's base path, default /) and scheme= (http or https, default http).
import { isIP } from 'node:net';
import { isHost } from '../../common/net/host.ts';

export type TxtKeys = ReadonlyMap<string, string>;

/** TXT strings "key=value" to a map; unknown or malformed entries are ignored. */
export function txtKeys(entries: readonly string[]): TxtKeys {
  const keys = new Map<string, string>();
  for (const entry of entries.slice(0, 32)) {
    const equals = entry.indexOf('=');
    if (equals > 0 && entry.length <= 255) keys.set(entry.slice(0, equals).toLowerCase(), entry.slice(equals + 1));
  }
  return keys;
}

/** The URL, or undefined when the record or its TXT keys give something that is not a broker URL. */
export function serviceUrl(host: string, port: number, txt: TxtKeys): string | undefined {
  // The host goes into a URL: anything but a name or an address could add credentials or a path.
  const name = host.replace(/\.$/, '');
  if (!isHost(name) || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  const scheme = (txt.get('scheme') ?? 'http').toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return undefined;
  let path = txt.get('path') ?? '/';
  if (!/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]{0,255}$/.test(path)) return undefined;
  if (!path.endsWith('/')) path += '/';
  try {
    return new URL(`${scheme}://${isIP(name) === 6 ? `[${name}]` : name}:${port}${path}`).href;
  } catch {
    return undefined;
  }
}
