// configFileProblems: a whole config file checked for any client, as flash --config does.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configFileProblems } from '../../../common/launcher-config/check-file.ts';
import { formatProblem } from '../../../common/launcher-config/source.ts';
import { useTempDir } from '../../support/temp-dir.ts';

describe('configFileProblems', () => {
  const dir = useTempDir();

  it('a valid file, sections for other clients included, has no problems', () => {
    const path = join(dir, 'good.conf');
    writeFileSync(path, '[common]\nmenu_timeout = 5\n[00:11:22:*]\ndefault_guest = debian\n[lab-*]\nx_depth = 16\n');
    expect(configFileProblems(path)).toEqual([]);
  });

  it('checks every section, not only the ones that would match this machine', () => {
    const path = join(dir, 'bad.conf');
    writeFileSync(path, '[common]\nmenu_timeout = 5\n[somewhere-else-*]\nx_depth = 12\nfoo = 1\n');
    expect(configFileProblems(path).map(formatProblem)).toEqual([
      `${path}:4 [somewhere-else-*]: x_depth: "12": expected one of auto, 8, 16, 24; keeping "auto" from default`,
      `${path}:5 [somewhere-else-*]: foo: unknown key; ignored`,
    ]);
  });

  it('a missing file is one problem naming it', () => {
    expect(configFileProblems(join(dir, 'absent.conf')).map(formatProblem)).toEqual([`${join(dir, 'absent.conf')}: cannot read: no such file`]);
  });
});
