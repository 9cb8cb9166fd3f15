// Broker URLs in DHCP options: private option 224 is the URL list as text; vendor option 43 is
// either encapsulated sub-options (sub-option 1 holds the URL list) or the URL list as text.
import { configKeys } from '../../common/launcher-config/keys.ts';
import { ValueError } from '../../common/launcher-config/value-types.ts';

export class DhcpOptionError extends Error {
  override readonly name = 'DhcpOptionError';
}

function urls(option: string, bytes: Buffer): readonly string[] {
  const text = bytes.toString('utf8').replace(/\0+$/, '');
  try {
    return configKeys.broker.type.parse(text);
  } catch (error) {
    if (error instanceof ValueError) throw new DhcpOptionError(`${option}: ${error.message}`, { cause: error });
    throw error;
  }
}

export function brokersFromOption224(bytes: Buffer): readonly string[] {
  return urls('DHCP option 224', bytes);
}

/** Sub-options as code -> bytes, or undefined when the lengths do not add up (then it is plain text). */
function subOptions(bytes: Buffer): Map<number, Buffer> | undefined {
  const found = new Map<number, Buffer>();
  let offset = 0;
  while (offset < bytes.length) {
    const code = bytes[offset] ?? 0;
    if (code === 255) break;
    if (code === 0) {
      offset += 1;
      continue;
    }
    const length = bytes[offset + 1];
    if (length === undefined || offset + 2 + length > bytes.length) return undefined;
    found.set(code, bytes.subarray(offset + 2, offset + 2 + length));
    offset += 2 + length;
  }
  return found;
}

export function brokersFromOption43(bytes: Buffer): readonly string[] {
  if (/^https?:\/\//.test(bytes.toString('latin1'))) return urls('DHCP option 43', bytes);
  const broker = subOptions(bytes)?.get(1);
  if (broker === undefined) throw new DhcpOptionError('DHCP option 43: no sub-option 1 (broker URL) and not a URL');
  return urls('DHCP option 43 sub-option 1', broker);
}
