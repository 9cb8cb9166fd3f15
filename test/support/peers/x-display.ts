// Starts an X server (Xvfb, Xnest, Xvnc) as a test child and learns its display number from
// -displayfd, which the server writes only once it accepts connections.
import type { Child, Children, StartOptions } from '../children.ts';
import { waitFor } from '../children.ts';

export type XServer = { readonly child: Child; readonly display: number; readonly name: string };

/** Runs command with `-displayfd 1` (stdout), so the server picks a free display and says which. */
export async function startXServer(children: Children, name: string, command: string, args: readonly string[], options: StartOptions = {}): Promise<XServer> {
  const child = children.start(name, command, [...args, '-displayfd', '1'], options);
  let stdout = '';
  child.process.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const display = await waitFor(`${name} to report its display`, () => /^(\d+)\n/.exec(stdout)?.[1], { child, timeoutMs: 15_000 });
  return { child, display: Number(display), name: `:${display}` };
}

/** The outer display of nested tests: a virtual framebuffer, 24-bit, black (-br) so drawing shows. */
export function startXvfb(children: Children, size = '1024x768'): Promise<XServer> {
  return startXServer(children, 'Xvfb', 'Xvfb', ['-screen', '0', `${size}x24`, '-br', '-nolisten', 'tcp', '-noreset']);
}
