// The layout as a rule: common/ imports only itself, no program (launcher, broker, image) imports
// another, the unprivileged update code and the root helper never import each other, and no
// import cycle exists anywhere in the programs or common/.
import { describe, expect, it } from 'vitest';
import { boundaryViolations, importCycles, importGraph } from '../../../scripts/import-graph.ts';

describe('import structure', () => {
  const graph = importGraph();

  it('reads the sources', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get('launcher/main.ts')).toContain('common/version.ts');
  });

  it('keeps every import inside its boundary', () => {
    expect(boundaryViolations(graph).map((violation) => `${violation.from} -> ${violation.to}: ${violation.why}`)).toEqual([]);
  });

  it('has no import cycles', () => {
    expect(importCycles(graph)).toEqual([]);
  });

  it('finds a cycle and a crossing when there is one', () => {
    const planted = new Map([
      ['launcher/a.ts', ['launcher/b.ts']],
      ['launcher/b.ts', ['launcher/a.ts', 'broker/c.ts']],
      ['common/d.ts', ['launcher/a.ts']],
      ['launcher/update/stage/e.ts', ['launcher/update/root-helper/f.ts']],
    ]);
    expect(importCycles(planted)).toEqual([['launcher/a.ts', 'launcher/b.ts']]);
    expect(boundaryViolations(planted).map((violation) => violation.from)).toEqual(['launcher/b.ts', 'common/d.ts', 'launcher/update/stage/e.ts']);
  });
});
