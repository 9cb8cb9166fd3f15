import { describe, expect, it } from 'vitest';
import { parseModulesDep, selectModules } from '../../../image/plan/modules.ts';

const modulesDep = [
  'kernel/drivers/net/ethernet/intel/e1000/e1000.ko:',
  'kernel/drivers/net/ethernet/realtek/8139too.ko: kernel/drivers/net/mii.ko',
  'kernel/drivers/net/mii.ko:',
  'kernel/drivers/gpu/drm/i915/i915.ko: kernel/drivers/gpu/drm/drm_kms_helper.ko kernel/drivers/gpu/drm/drm.ko',
  'kernel/drivers/gpu/drm/drm_kms_helper.ko: kernel/drivers/gpu/drm/drm.ko',
  'kernel/drivers/gpu/drm/drm.ko:',
  'kernel/sound/core/snd.ko:',
  '',
].join('\n');

describe('module selection', () => {
  const dependencies = parseModulesDep(modulesDep);

  it('parses modules.dep', () => {
    expect(dependencies.size).toBe(7);
    expect(dependencies.get('kernel/drivers/net/ethernet/realtek/8139too.ko')).toEqual(['kernel/drivers/net/mii.ko']);
    expect(dependencies.get('kernel/drivers/net/mii.ko')).toEqual([]);
  });

  it('keeps what the globs name and everything it depends on, nothing else', () => {
    const selection = selectModules(dependencies, ['drivers/net/ethernet/realtek/*', 'drivers/gpu/drm/i915/*']);
    expect(selection.modules).toEqual([
      'kernel/drivers/gpu/drm/drm.ko',
      'kernel/drivers/gpu/drm/drm_kms_helper.ko',
      'kernel/drivers/gpu/drm/i915/i915.ko',
      'kernel/drivers/net/ethernet/realtek/8139too.ko',
      'kernel/drivers/net/mii.ko',
    ]);
    expect(selection.unmatched).toEqual([]);
  });

  it('reports globs that match nothing (built-in drivers, typos)', () => {
    expect(selectModules(dependencies, ['drivers/input/keyboard/atkbd.ko', 'sound/core/snd.ko']).unmatched).toEqual(['drivers/input/keyboard/atkbd.ko']);
  });
});
