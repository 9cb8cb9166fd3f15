// XDMCP 1.1 packets: encodes the queries the launcher sends and decodes the answers a display
// manager sends back, checking every length against the packet before reading.
import { stripControls } from '../text/terminal-safe.ts';

export const xdmcpPort = 177;
const protocolVersion = 1;
const headerBytes = 6;
/** Text shown to people is cut here; XDMCP allows 65535 bytes per string. */
const maxTextLength = 256;

export const xdmcpOpcodes = {
  broadcastQuery: 1,
  query: 2,
  willing: 5,
  unwilling: 6,
  decline: 9,
} as const;

/** What a display manager answered, its strings decoded and stripped of control characters. */
export type XdmcpAnswer =
  | { readonly kind: 'willing'; readonly authenticationName: string; readonly hostname: string; readonly status: string }
  | { readonly kind: 'unwilling'; readonly hostname: string; readonly status: string }
  | { readonly kind: 'decline'; readonly status: string; readonly authenticationName: string };

export class XdmcpPacketError extends Error {
  override readonly name = 'XdmcpPacketError';
}

/** Query (one host) or BroadcastQuery (a subnet), offering these authentication names (usually none). */
export function encodeQuery(kind: 'query' | 'broadcast-query', authenticationNames: readonly string[] = []): Buffer {
  if (authenticationNames.length > 255) throw new XdmcpPacketError('at most 255 authentication names');
  const names = authenticationNames.map((name) => Buffer.from(name, 'latin1'));
  const body = Buffer.concat([Buffer.from([names.length]), ...names.map(array8)]);
  const header = Buffer.alloc(headerBytes);
  header.writeUInt16BE(protocolVersion, 0);
  header.writeUInt16BE(kind === 'query' ? xdmcpOpcodes.query : xdmcpOpcodes.broadcastQuery, 2);
  header.writeUInt16BE(body.length, 4);
  return Buffer.concat([header, body]);
}

function array8(bytes: Buffer): Buffer {
  if (bytes.length > 0xffff) throw new XdmcpPacketError('string longer than 65535 bytes');
  const length = Buffer.alloc(2);
  length.writeUInt16BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** Decodes a Willing, Unwilling or Decline packet; anything else throws XdmcpPacketError saying why. */
export function decodeAnswer(packet: Buffer): XdmcpAnswer {
  if (packet.length < headerBytes) throw new XdmcpPacketError(`packet of ${packet.length} bytes is shorter than the XDMCP header`);
  const version = packet.readUInt16BE(0);
  const opcode = packet.readUInt16BE(2);
  const length = packet.readUInt16BE(4);
  if (version !== protocolVersion) throw new XdmcpPacketError(`XDMCP version ${version}, expected ${protocolVersion}`);
  if (length !== packet.length - headerBytes) throw new XdmcpPacketError(`header says ${length} bytes follow, the packet has ${packet.length - headerBytes}`);
  const reader = new Array8Reader(packet.subarray(headerBytes));
  let answer: XdmcpAnswer;
  switch (opcode) {
    case xdmcpOpcodes.willing:
      answer = { kind: 'willing', authenticationName: reader.text(), hostname: reader.text(), status: reader.text() };
      break;
    case xdmcpOpcodes.unwilling:
      answer = { kind: 'unwilling', hostname: reader.text(), status: reader.text() };
      break;
    case xdmcpOpcodes.decline: {
      const status = reader.text();
      const authenticationName = reader.text();
      reader.skip(); // authentication data: opaque
      answer = { kind: 'decline', status, authenticationName };
      break;
    }
    default:
      throw new XdmcpPacketError(`unexpected XDMCP opcode ${opcode}`);
  }
  reader.end();
  return answer;
}

class Array8Reader {
  private offset = 0;
  private readonly body: Buffer;

  constructor(body: Buffer) {
    this.body = body;
  }

  bytes(): Buffer {
    if (this.offset + 2 > this.body.length) throw new XdmcpPacketError(`string length at byte ${this.offset + headerBytes} runs past the packet`);
    const length = this.body.readUInt16BE(this.offset);
    const start = this.offset + 2;
    if (start + length > this.body.length) throw new XdmcpPacketError(`string of ${length} bytes at byte ${start + headerBytes} runs past the packet`);
    this.offset = start + length;
    return this.body.subarray(start, start + length);
  }

  text(): string {
    // Display managers send ASCII; latin1 never fails, and stripControls makes it terminal-safe.
    return stripControls(this.bytes().toString('latin1')).slice(0, maxTextLength);
  }

  skip(): void {
    this.bytes();
  }

  end(): void {
    if (this.offset !== this.body.length) throw new XdmcpPacketError(`${this.body.length - this.offset} unexpected bytes after the last field`);
  }
}
