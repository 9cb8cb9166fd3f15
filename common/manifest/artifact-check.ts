// Checks one downloaded or stored artifact file against its manifest entry: size first (a
// truncated or still-growing file is named as such), then a streamed sha256. Reads no config keys.
import { stat } from 'node:fs/promises';
import { sha256File, type Manifest } from './manifest.ts';

export type ArtifactEntry = NonNullable<Manifest['artifacts'][keyof Manifest['artifacts']]>;

export type ArtifactProblem = 'missing' | 'not-a-file' | 'truncated' | 'too-long' | 'checksum';

export interface ArtifactCheckFailure {
  problem: ArtifactProblem;
  message: string;
}

/** Returns undefined when the file matches, else what is wrong with it in one sentence. */
export async function checkArtifact(path: string, expected: ArtifactEntry): Promise<ArtifactCheckFailure | undefined> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) return { problem: 'not-a-file', message: `${path}: not a regular file` };
    size = info.size;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { problem: 'missing', message: `${path}: ${code === 'ENOENT' ? 'missing' : `cannot be read (${code ?? 'error'})`}` };
  }
  if (size < expected.size) return { problem: 'truncated', message: `${path}: truncated: ${size} of ${expected.size} bytes` };
  if (size > expected.size) return { problem: 'too-long', message: `${path}: ${size} bytes, the manifest says ${expected.size}` };
  const sha256 = await sha256File(path);
  if (sha256 !== expected.sha256) {
    return {
      problem: 'checksum',
      message: `${path}: sha256 ${sha256.slice(0, 16)}… does not match the manifest's ${expected.sha256.slice(0, 16)}…: the file is corrupted or was changed`,
    };
  }
  return undefined;
}
