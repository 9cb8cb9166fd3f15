// XDMCP packets: the exact bytes of a Query, the answers display managers send, and malformed
// packets refused with a reason instead of read past their end.
import { describe, expect, it } from 'vitest';
import { decodeAnswer, encodeQuery, XdmcpPacketError } from '../../../common/probe/xdmcp-packet.ts';

function packet(opcode: number, ...fields: (string | Buffer)[]): Buffer {
  const body = Buffer.concat(
    fields.map((field) => {
      const bytes = typeof field === 'string' ? Buffer.from(field, 'latin1') : field;
      const length = Buffer.alloc(2);
      length.writeUInt16BE(bytes.length);
      return Buffer.concat([length, bytes]);
    }),
  );
  const header = Buffer.alloc(6);
  header.writeUInt16BE(1, 0);
  header.writeUInt16BE(opcode, 2);
  header.writeUInt16BE(body.length, 4);
  return Buffer.concat([header, body]);
}

describe('XDMCP packets', () => {
  it('encodes a Query and a BroadcastQuery without authentication names as xdm expects them', () => {
    expect(encodeQuery('query').toString('hex')).toBe('00010002000100');
    expect(encodeQuery('broadcast-query').toString('hex')).toBe('00010001000100');
    expect(encodeQuery('query', ['XDM-AUTHENTICATION-1']).toString('hex')).toBe(`000100020017010014${Buffer.from('XDM-AUTHENTICATION-1').toString('hex')}`);
  });

  it('decodes Willing, Unwilling and Decline', () => {
    expect(decodeAnswer(packet(5, '', 'guest1', 'Linux 6.1.0'))).toEqual({
      kind: 'willing',
      authenticationName: '',
      hostname: 'guest1',
      status: 'Linux 6.1.0',
    });
    expect(decodeAnswer(packet(6, 'guest1', 'Display not authorized to connect'))).toEqual({
      kind: 'unwilling',
      hostname: 'guest1',
      status: 'Display not authorized to connect',
    });
    expect(decodeAnswer(packet(9, 'No valid address', '', Buffer.alloc(8)))).toEqual({ kind: 'decline', status: 'No valid address', authenticationName: '' });
  });

  it('strips escape sequences a hostile display manager puts in its status', () => {
    expect(decodeAnswer(packet(5, '', 'h\x1b[2Jost', '\x1b]0;title\x07Load 0.1\r\n'))).toMatchObject({ hostname: 'host', status: 'Load 0.1  ' });
  });

  it.each([
    ['a short header', Buffer.from('000100', 'hex'), /shorter than the XDMCP header/],
    ['another version', Buffer.from('000200050000', 'hex'), /version 2/],
    ['a length that disagrees with the packet', Buffer.from('0001000500ff0000', 'hex'), /header says 255 bytes follow/],
    ['a string running past the end', Buffer.from('000100060004ffff0000', 'hex'), /runs past the packet/],
    ['a missing field', packet(6, 'host'), /runs past the packet/],
    ['trailing bytes', Buffer.from('0001000600070001680001737a', 'hex'), /1 unexpected bytes after the last field/],
    ['an opcode that is no answer', packet(7, ''), /unexpected XDMCP opcode 7/],
  ])('refuses %s', (_what, bytes, message) => {
    expect(() => decodeAnswer(bytes)).toThrow(XdmcpPacketError);
    expect(() => decodeAnswer(bytes)).toThrow(message);
  });
});
