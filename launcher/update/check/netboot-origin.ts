// Where a netbooted PC's image came from, read from its kernel command line: vdd.root=URL, which
// the iPXE script sets to ${vdd-base}root.squashfs. When that directory is a published version
// (vdd-image publish: ROOT/versions/VERSION/, or ROOT/current/), ROOT is the image server's
// publish root, where updates are announced.
import { splitKernelCmdline } from '../../config/kernel-cmdline.ts';

/** The http(s) URL the root was fetched from, or undefined (disk boot, no vdd.root, not a URL). */
export function netbootRootUrl(cmdline: string): URL | undefined {
  const root = splitKernelCmdline(cmdline).findLast((parameter) => parameter.name.toLowerCase() === 'vdd.root')?.value;
  if (root === undefined || root.length > 2048) return undefined;
  try {
    const url = new URL(root);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** The publish root (ending in /) above .../versions/V/ or .../current/, or undefined when the PC did not boot a published version. */
export function publishRootFromCmdline(cmdline: string): string | undefined {
  const root = netbootRootUrl(cmdline);
  if (root === undefined || root.username || root.password) return undefined;
  const directory = new URL('./', root);
  const levelsUp = /\/versions\/[^/]+\/$/.test(directory.pathname) ? '../../' : directory.pathname.endsWith('/current/') ? '../' : undefined;
  if (levelsUp === undefined) return undefined;
  const publishRoot = new URL(levelsUp, directory);
  publishRoot.search = '';
  publishRoot.hash = '';
  return publishRoot.href;
}
