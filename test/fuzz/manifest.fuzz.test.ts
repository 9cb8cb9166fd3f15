// manifest.json is what publishing, verification and A/B updates trust about an image, and an
// update may fetch it from an image server someone can tamper with on the way: whatever the
// document says, manifestSchema accepts only values that are safe to use as paths, in kernel
// command lines and on a terminal, or refuses with a ZodError.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { artifactsOf, manifestSchema } from '../../common/manifest/manifest.ts';
import { expectTerminalSafe, fuzzRuns, hostileText } from '../support/fuzz.ts';

const mostly = <T>(valid: fc.Arbitrary<T>, weight = 10): fc.Arbitrary<unknown> =>
  fc.oneof({ arbitrary: valid, weight }, { arbitrary: fc.oneof(hostileText(40), fc.jsonValue({ maxDepth: 1 }), fc.constant(undefined)), weight: 1 });
const text = (valid: fc.Arbitrary<string>) =>
  fc.oneof(
    { arbitrary: valid, weight: 4 },
    { arbitrary: fc.oneof(hostileText(80), fc.constantFrom('../../etc', '/abs', '.', '..', 'a/b', ' ', '')), weight: 1 },
  );
const artifact = fc.record({ sha256: mostly(fc.stringMatching(/^[0-9a-f]{64}$/)), size: mostly(fc.nat()) });
const manifest = fc.record({
  format: mostly(fc.constant(1)),
  name: text(fc.constantFrom('vdd-thin', 'lab')),
  version: text(fc.constantFrom('0.1.0', '2026.11.23+1', '1_rc-2')),
  created: mostly(fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }).map((date) => date.toISOString())),
  kernel: text(fc.constantFrom('6.1.0-27-amd64')),
  netbootCommandLine: text(fc.constantFrom('vdd.root=${vdd-base}/root.squashfs quiet', 'console=ttyS0')),
  squashfsCompression: mostly(fc.constantFrom('xz', 'zstd', 'gzip')),
  payloadBytes: mostly(fc.nat()),
  payloadBudgetBytes: mostly(fc.nat()),
  artifacts: mostly(fc.record(Object.fromEntries(artifactsOf.vdd.map((name) => [name, artifact])))),
  build: mostly(
    fc.record({
      seconds: fc.double({ min: 0, max: 1e4, noNaN: true }),
      cachedPackages: fc.nat(),
      reusedRoot: fc.boolean(),
      steps: fc.dictionary(fc.string({ maxLength: 10 }), fc.double({ noNaN: true }), { maxKeys: 4 }),
    }),
  ),
});
const document = fc.oneof(
  { arbitrary: manifest.map((value) => JSON.stringify(value)), weight: 4 },
  { arbitrary: fc.json({ maxDepth: 3 }), weight: 1 },
  { arbitrary: hostileText(200), weight: 1 },
);

const pathComponent = /^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$/;

describe('the image manifest', () => {
  it('holds only path-safe, terminal-safe values, or is refused with a ZodError', () => {
    let accepted = 0;
    fc.assert(
      fc.property(document, (text) => {
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          return;
        }
        const parsed = manifestSchema.safeParse(json);
        if (!parsed.success) {
          expect(parsed.error).toBeInstanceOf(ZodError);
          return;
        }
        accepted += 1;
        const value = parsed.data;
        // The version names a directory (dist/image/VERSION, the inactive A/B slot) and the name a file.
        expect(value.version).toMatch(pathComponent);
        expect(value.name).toMatch(pathComponent);
        for (const shown of [value.name, value.version, value.kernel, value.netbootCommandLine]) expectTerminalSafe(shown);
        expect(value.netbootCommandLine.length).toBeLessThanOrEqual(4096);
      }),
      { numRuns: fuzzRuns },
    );
    expect(accepted).toBeGreaterThan(fuzzRuns / 50);
  });
});
