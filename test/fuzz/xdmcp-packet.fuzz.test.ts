// Any datagram a network peer can send either decodes into a terminal-safe answer or is refused
// with XdmcpPacketError: never another exception, never a read past the packet.
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { decodeAnswer, XdmcpPacketError } from '../../common/probe/xdmcp-packet.ts';
import { fuzzRuns, terminalControl } from '../support/fuzz.ts';

describe('XDMCP answer decoding', () => {
  it('decodes or refuses every datagram, and decoded text has no control characters', () => {
    const header = fc.tuple(fc.constantFrom(1, 2), fc.constantFrom(5, 6, 9, 2, 0xffff)).map(([version, opcode]) => {
      const bytes = Buffer.alloc(4);
      bytes.writeUInt16BE(version, 0);
      bytes.writeUInt16BE(opcode, 2);
      return bytes;
    });
    const datagram = fc.oneof(
      fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
      fc.tuple(header, fc.uint8Array({ maxLength: 200 })).map(([head, body]) => {
        const length = Buffer.alloc(2);
        length.writeUInt16BE(body.length);
        return Buffer.concat([head, length, Buffer.from(body)]);
      }),
    );
    fc.assert(
      fc.property(datagram, (bytes) => {
        try {
          const answer = decodeAnswer(bytes);
          return Object.values(answer).every((value) => !terminalControl.test(String(value)));
        } catch (error) {
          if (error instanceof XdmcpPacketError) return true;
          throw error;
        }
      }),
      { numRuns: fuzzRuns },
    );
  });
});
