// Where a netbooted PC's image came from, read from its kernel command line: vdd.root=URL, which
// the iPXE script sets to ${vdd-base}root.squashfs. When that directory is a published image's
// `current` (vdd-image publish), the directory above it is the image server's publish root.
import { splitKernelCmdline } from '../config/kernel-cmdline.ts';

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

/** The publish root (ending in /) above .../current/root.squashfs, or undefined when the PC did not boot a published `current`. */
export function publishRootFromCmdline(cmdline: string): string | undefined {
  const root = netbootRootUrl(cmdline);
  if (root === undefined || root.username || root.password) return undefined;
  const directory = new URL('./', root);
  if (!directory.pathname.endsWith('/current/')) return undefined;
  const publishRoot = new URL('../', directory);
  publishRoot.search = '';
  publishRoot.hash = '';
  return publishRoot.href;
}
