// vdd-image list: the published versions (common/publish/published-versions.ts reads them),
// newest publish first, with which is current and previous, their size on disk, build and
// publish dates, and whether a signature is present.
import type { ListedVersion } from '../../common/publish/published-versions.ts';

export function formatVersionList(versions: readonly ListedVersion[]): string {
  if (versions.length === 0) return 'no versions published\n';
  const lines = versions.map((entry) => {
    const mark = entry.current ? 'current ' : entry.previous ? 'previous' : '        ';
    const size = `${(entry.bytes / 2 ** 20).toFixed(1)} MiB`.padStart(10);
    return `${mark}  ${entry.version.padEnd(20)} ${size}  built ${entry.created ?? '?'}  published ${entry.published}${entry.signed ? '' : '  UNSIGNED'}`;
  });
  return `${lines.join('\n')}\n`;
}
