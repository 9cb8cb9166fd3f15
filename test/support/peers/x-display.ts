// Starts an X server (Xvfb, Xnest, Xvnc) as a test child on a free display and waits for
// -displayfd, which the server writes only once it accepts connections. The display number is
// chosen here, never by -displayfd alone (see free-display.ts); a start that loses the number to
// a parallel test file is retried on another.
import type { Child, Children, StartOptions } from '../children.ts';
import { waitFor } from '../children.ts';
import { firstFreeDisplay } from './free-display.ts';

export type XServer = { readonly child: Child; readonly display: number; readonly name: string };

export async function startXServer(children: Children, name: string, command: string, args: readonly string[], options: StartOptions = {}): Promise<XServer> {
  for (let attempt = 0; ; attempt++) {
    const display = firstFreeDisplay(20 + Math.floor(Math.random() * 400));
    const child = children.start(name, command, [`:${display}`, ...args, '-displayfd', '1'], options);
    let stdout = '';
    child.process.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    try {
      await waitFor(`${name} to report display :${display} ready`, () => stdout.includes('\n'), { child, timeoutMs: 15_000 });
      return { child, display, name: `:${display}` };
    } catch (error) {
      if (attempt < 3 && /already active|server already running/i.test(child.log)) continue;
      throw error;
    }
  }
}

/** The outer display of nested tests: a virtual framebuffer, 24-bit, black (-br) so drawing shows.
 * With fbdir, Xvfb keeps its screen in the XWD file fbdir/Xvfb_screen0, which can be read without
 * starting a client per look (a benchmark that polls the screen every ms). */
export function startXvfb(children: Children, size = '1024x768', fbdir?: string): Promise<XServer> {
  return startXServer(children, 'Xvfb', 'Xvfb', ['-screen', '0', `${size}x24`, '-br', '-nolisten', 'tcp', '-noreset', ...(fbdir ? ['-fbdir', fbdir] : [])]);
}
