// The LTSP flavour (vdd-image build --flavor ltsp) beside the normal image: its sizes from the
// newest LTSP build's manifest, and the figures the LTSP end-to-end test recorded on its last
// run (test/e2e/ltsp-boot.test.ts writes them: build, vdd-image ltsp --apply, LTSP's own image,
// PXE to kernel, to menu, to the guest's desktop). Its boot to the menu in guest seconds, beside
// stock LTSP's to its login screen, is the boot-time model's (imageBootModel with VDD_BENCH_LTSP=1).
import { existsSync, readFileSync } from 'node:fs';
import { findLtspVersion } from '../image/ltsp/ltsp-version.ts';

const mib = 2 ** 20;

/** Where the LTSP end-to-end test leaves its figures (git-ignored). */
export const ltspEndToEndFigures = new URL('../.cache/bench/ltsp-end-to-end.json', import.meta.url).pathname;

export function benchLtspFlavour(outRoot: string): Record<string, unknown> {
  let version: ReturnType<typeof findLtspVersion>;
  try {
    version = findLtspVersion(outRoot, {});
  } catch (error) {
    return { skipped: (error as Error).message };
  }
  const { manifest } = version;
  const size = (name: keyof typeof manifest.artifacts) => +((manifest.artifacts[name]?.size ?? 0) / mib).toFixed(1);
  return {
    version: manifest.version,
    squashfsCompression: manifest.squashfsCompression,
    vmlinuzMiB: size('vmlinuz'),
    initrdMiB: size('initrd.img'),
    squashfsMiB: size('root.squashfs'),
    payloadMiB: +(manifest.payloadBytes / mib).toFixed(1),
    budgetMiB: manifest.payloadBudgetBytes / mib,
    buildSeconds: manifest.build.seconds,
    lastEndToEnd: existsSync(ltspEndToEndFigures) ? JSON.parse(readFileSync(ltspEndToEndFigures, 'utf8')) : { skipped: 'run test/e2e/ltsp-boot.test.ts' },
    bootToMenu: { measuredBy: 'npm run bench -- imageBootModel with VDD_BENCH_LTSP=1 (rows ltspFlavour and ltspStock, guest seconds at shift 0 and 2)' },
  };
}
