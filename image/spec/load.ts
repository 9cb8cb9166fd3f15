// Reads and validates an image spec file; every problem names the file and the field.
import { dirname, resolve } from 'node:path';
import { ReadError, readBoundedText } from '../../common/io/read-bounded.ts';
import { applyFlavor, FlavorError } from './flavor.ts';
import { imageSpecSchema, type ImageSpec } from './schema.ts';

export const specLimits = { maxBytes: 1024 * 1024 } as const;

export class SpecError extends Error {
  override readonly name = 'SpecError';
  readonly problems: readonly string[];
  constructor(file: string, problems: readonly string[], options?: ErrorOptions) {
    super(`${file}: invalid image spec:\n${problems.map((problem) => `  ${problem}`).join('\n')}`, options);
    this.problems = problems;
  }
}

export type LoadedSpec = {
  readonly spec: ImageSpec;
  readonly file: string;
  /** Relative paths in the spec (overlays, files) are relative to this directory. */
  readonly baseDir: string;
  /** The flavour applied to spec (flavors.NAME), if any. */
  readonly flavor?: string | undefined;
};

/** Parses spec text; `file` only names it in messages. */
export function parseSpec(text: string, file: string): ImageSpec {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new SpecError(file, [`not valid JSON: ${(error as Error).message}`], { cause: error });
  }
  const result = imageSpecSchema.safeParse(data);
  if (!result.success) {
    throw new SpecError(
      file,
      result.error.issues.map((issue) => `${issue.path.length === 0 ? '(top level)' : issue.path.join('.')}: ${issue.message}`),
    );
  }
  return result.data;
}

/** The spec file, with flavors.FLAVOR applied when a flavour is named. */
export function loadSpec(path: string, flavor?: string): LoadedSpec {
  const file = resolve(path);
  let text: string;
  try {
    text = readBoundedText(file, specLimits.maxBytes);
  } catch (error) {
    if (error instanceof ReadError) throw new SpecError(file, [`cannot read: ${error.message}`], { cause: error });
    throw error;
  }
  const spec = parseSpec(text, file);
  if (flavor === undefined) return { spec, file, baseDir: dirname(file) };
  try {
    return { spec: applyFlavor(spec, flavor), file, baseDir: dirname(file), flavor };
  } catch (error) {
    if (error instanceof FlavorError) throw new SpecError(file, error.problems, { cause: error });
    throw error;
  }
}
