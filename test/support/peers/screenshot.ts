// Screenshots of a test display reduced to the figures tests check: how many pixels differ
// from the most common colour and how many colours there are ("not blank", "something drawn").
import { capture, type CaptureOptions, type Pixels } from './xwd-png.ts';

export type ScreenFigures = {
  readonly width: number;
  readonly height: number;
  readonly colours: number;
  readonly nonBackgroundPixels: number;
  readonly nonBackgroundShare: number;
};

/** Figures of the root window of display (e.g. ":5"). */
export function screenshot(display: string, options: CaptureOptions = {}): ScreenFigures {
  return figures(capture(display, options));
}

export function figures({ width, height, rgb }: Pixels): ScreenFigures {
  const counts = new Map<number, number>();
  for (let at = 0; at < rgb.length; at += 3) {
    const value = rgb.readUIntBE(at, 3);
    counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  const nonBackgroundPixels = width * height - Math.max(...counts.values());
  return { width, height, colours: counts.size, nonBackgroundPixels, nonBackgroundShare: nonBackgroundPixels / (width * height) };
}
