// A guest named on the command line instead of picked from a broker's catalog, so sessions work
// without a broker: vnc://HOST[:PORT] (RFC 7869; PORT is the TCP port, default 5900) and
// xdmcp://HOST[:PORT] (default 177). Validated with the catalog's own guest schema.
import { guestSchema, type Guest } from '../../common/protocol/broker-protocol.ts';
import { quote } from '../../common/text/terminal-safe.ts';

export class GuestUriError extends Error {
  override readonly name = 'GuestUriError';
}

const defaultPorts = { vnc: 5900, xdmcp: 177 } as const;

/** True when operand looks like a URI rather than a catalog id (ids cannot contain ":"). */
export function isGuestUri(operand: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(operand);
}

/** The operand for messages, with any user:password@ blotted out: messages go to logs. */
function shown(operand: string): string {
  return quote(operand.replace(/:\/\/[^/?#]*@/, '://***@'));
}

export function guestFromUri(operand: string): Guest {
  let url: URL;
  try {
    url = new URL(operand);
  } catch {
    // No cause: URL's own error quotes the operand with any password in it; shown() hides that.
    throw new GuestUriError(`${shown(operand)} is not a URI like vnc://host:5901 or xdmcp://host`);
  }
  const protocol = url.protocol.slice(0, -1).toLowerCase();
  if (protocol !== 'vnc' && protocol !== 'xdmcp') throw new GuestUriError(`${shown(operand)}: the scheme must be vnc:// or xdmcp://`);
  if (url.username || url.password) throw new GuestUriError(`${shown(operand)}: a password in the URI would show in the process list; use vnc_password_file`);
  if ((url.pathname !== '' && url.pathname !== '/') || url.search || url.hash)
    throw new GuestUriError(`${shown(operand)}: only scheme://host[:port] is accepted`);
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port === '' ? defaultPorts[protocol] : Number(url.port);
  const parsed = guestSchema.safeParse({
    id: `${protocol}-${host.replace(/[^A-Za-z0-9.-]/g, '_')}-${port}`.slice(0, 64),
    name: host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`,
    os: protocol === 'vnc' ? 'VNC desktop' : 'X11 desktop',
    protocol,
    host,
    port,
    state: 'running',
  });
  if (!parsed.success)
    throw new GuestUriError(`${shown(operand)}: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  return parsed.data;
}
