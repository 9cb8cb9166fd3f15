// Checks the published manifest in the background, every interval, and says when the version
// the image server offers differs from the running one (a newer version, or a rollback): each
// answer is bounded and validated, so a garbled, huge or foreign manifest changes nothing on
// screen; the reason goes to the log (once per new reason, not every interval).
import type { RequestOptions } from '../../broker-client/catalog-fetch.ts';
import { fetchPublishedManifest } from './published-manifest.ts';

export type UpdateCheckerOptions = {
  readonly publishRoot: string;
  readonly runningVersion: string;
  /** The running image's name; a manifest of another image is ignored. Undefined: not known. */
  readonly runningName: string | undefined;
  readonly intervalMs: number;
  readonly request: RequestOptions;
  readonly log: (line: string) => void;
  /** The version offered when it differs from the running one, undefined when it no longer does. */
  readonly onChange: (available: string | undefined) => void;
  /** One line on how the last check went, for the info screen. */
  readonly onStatus?: (text: string) => void;
};

export type UpdateChecker = { stop(): void };

const retryAfterFailureMs = 10_000;

export function startUpdateChecker(options: UpdateCheckerOptions): UpdateChecker {
  let etag: string | undefined;
  let available: string | undefined;
  let answered = false;
  let lastProblem: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const check = async () => {
    try {
      const answer = await fetchPublishedManifest(options.publishRoot, { ...options.request, etag });
      lastProblem = undefined;
      if (answer.kind === 'not-modified') {
        options.onStatus?.(statusText(available, options.runningVersion, answer.url));
        return;
      }
      if (options.runningName !== undefined && answer.name !== options.runningName) {
        throw new Error(`${answer.url}: manifest ignored: it is for image ${answer.name}, this PC runs ${options.runningName}`);
      }
      etag = answer.etag;
      const offered = answer.version === options.runningVersion ? undefined : answer.version;
      // Logged on the first answer and on every change, so the log tells what the server offers.
      if (offered !== available || !answered) {
        options.log(
          offered === undefined
            ? `update: ${answer.url} offers ${answer.version}, the running version`
            : `update: ${answer.url} offers ${offered}; this PC runs ${options.runningVersion}`,
        );
      }
      answered = true;
      if (offered !== available) {
        available = offered;
        options.onChange(offered);
      }
      options.onStatus?.(statusText(available, options.runningVersion, answer.url));
    } catch (error) {
      const problem = error instanceof Error ? error.message : String(error);
      options.onStatus?.(`the last check failed: ${problem}`);
      if (problem !== lastProblem) options.log(`update: check failed, nothing changes: ${problem}`);
      lastProblem = problem;
    }
  };

  // The first check runs with the menu's first frame, often before DHCP gave an address: after a
  // failure try again soon (10 s, doubling) instead of a whole interval later.
  let failures = 0;
  const loop = async () => {
    await check();
    failures = lastProblem === undefined ? 0 : failures + 1;
    const delay = failures === 0 ? options.intervalMs : Math.min(options.intervalMs, retryAfterFailureMs * 2 ** (failures - 1));
    if (!stopped) timer = setTimeout(() => void loop(), delay);
  };
  void loop();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

function statusText(available: string | undefined, running: string, url: string): string {
  return available === undefined ? `${running} (this one) is the current version at ${url}` : `${available} is published at ${url}; this PC runs ${running}`;
}
