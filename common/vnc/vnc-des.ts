// The DES of VNC authentication: the challenge response, and the scrambled form of a password
// that vncpasswd -f writes and vncviewer -passwd reads. VNC uses each key byte bit-reversed;
// Node has no single DES, and 3DES with the key repeated three times is the same cipher.
import { createCipheriv } from 'node:crypto';

/** The fixed key TigerVNC (and every VNC since 3.3) scrambles stored passwords with. */
const storedPasswordKey = Buffer.from([23, 82, 107, 6, 35, 78, 88, 7]);

function reverseBits(byte: number): number {
  let reversed = 0;
  for (let bit = 0; bit < 8; bit++) if (byte & (1 << bit)) reversed |= 1 << (7 - bit);
  return reversed;
}

function desEncrypt(vncKey: Buffer, data: Buffer): Buffer {
  const key = Buffer.from(vncKey.map(reverseBits));
  const cipher = createCipheriv('des-ede3-ecb', Buffer.concat([key, key, key]), null);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

/** A VNC password as the protocol sees it: the first 8 bytes of its UTF-8, zero-padded. */
export function vncPasswordBytes(password: string): Buffer {
  const bytes = Buffer.alloc(8);
  Buffer.from(password, 'utf8').copy(bytes, 0, 0, 8);
  return bytes;
}

/** The 16-byte answer to the server's 16-byte VncAuth challenge. */
export function vncAuthResponse(password: string, challenge: Buffer): Buffer {
  if (challenge.length !== 16) throw new Error(`VNC challenge must be 16 bytes, got ${challenge.length}`);
  return desEncrypt(vncPasswordBytes(password), challenge);
}

/** The 8 bytes of a VNC password file (what `vncpasswd -f` prints). */
export function scrambleVncPassword(password: string): Buffer {
  return desEncrypt(storedPasswordKey, vncPasswordBytes(password));
}
