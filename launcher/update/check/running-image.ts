// The image this PC runs, from the file the image build writes (config key image_version_file,
// "NAME VERSION"): the info screen shows it, update checks compare the published version with it.
import { ReadError, readBoundedText } from '../../../common/io/read-bounded.ts';
import { stripControls } from '../../../common/text/terminal-safe.ts';

export type RunningImage =
  | { readonly line: string; readonly name: string | undefined; readonly version: string | undefined }
  | { readonly line: undefined; readonly problem: string };

export function readRunningImage(file: string): RunningImage {
  let text: string;
  try {
    text = readBoundedText(file, 256);
  } catch (error) {
    if (error instanceof ReadError && error.code === 'ENOENT') return { line: undefined, problem: `none (not started from a vdd-thin image: no ${file})` };
    return { line: undefined, problem: `unknown (${file}: ${(error as Error).message})` };
  }
  const line = stripControls(text.split('\n')[0] ?? '').trim();
  if (line === '') return { line: undefined, problem: `unknown (${file} is empty)` };
  // "vdd-thin 0.2.0": the version is the last word; a lone word is the version itself.
  const words = line.split(/\s+/);
  return { line, name: words.length > 1 ? words[0] : undefined, version: words.at(-1) };
}
