// One A/B update of a flashed client, the unprivileged part end to end: the version the publish
// root's current/ offers, signature-checked and staged from versions/VERSION/ (which never changes
// once published, so a publish during the download cannot mix two versions), then handed to the
// root helper, which checks it again and installs it into the inactive slot. Reads no config
// keys (the callers pass update_url, the CA and timeouts).
import { rmSync } from 'node:fs';
import { versionPattern } from '../../../common/manifest/manifest.ts';
import { maxManifestBytes } from '../../../common/manifest/manifest-signature.ts';
import { fetchSmall } from './resumable-download.ts';
import { stageUpdate, type StageResult } from './stage-update.ts';
import { requestSlotAction } from './slot-request.ts';
import { slotPaths } from '../slot-paths.ts';
import { UpdateRejected } from '../update-rejected.ts';

export type AbUpdateOptions = {
  /** The image server's publish root (ends in /). */
  readonly publishRoot: string;
  readonly runningVersion: string;
  /** Only this version (what the checker saw); undefined: whatever current/ offers. */
  readonly version?: string | undefined;
  readonly publicKey: string;
  readonly ca?: string | undefined;
  readonly idleMs: number;
  readonly staging?: string;
  readonly progress?: (line: string) => void;
};

export type AbUpdateResult =
  | { readonly state: 'up-to-date'; readonly version: string }
  | {
      readonly state: 'installed';
      readonly version: string;
      readonly slot: 'a' | 'b';
      readonly downloadedBytes: number;
      readonly resumedFrom: StageResult['resumedFrom'];
    };

/** The root helper writes hundreds of MiB and reads them back: generous, but not forever. */
const installTimeoutMs = 30 * 60 * 1000;

export async function updateFlashedClient(options: AbUpdateOptions): Promise<AbUpdateResult> {
  const root = new URL(options.publishRoot);
  const say = options.progress ?? (() => {});
  const offered = options.version ?? (await currentVersion(root, options));
  if (offered === options.runningVersion) return { state: 'up-to-date', version: offered };
  const base = new URL(`versions/${encodeURIComponent(offered)}/`, root);
  say(`downloading ${offered} from ${base.href}`);
  let lastTenth = -1;
  const staged = await stageUpdate({
    base,
    staging: options.staging ?? slotPaths.staging,
    publicKey: options.publicKey,
    ca: options.ca,
    idleMs: options.idleMs,
    attempts: 6,
    progress: (name, bytes, total) => {
      const tenth = Math.floor((bytes / total) * 10);
      if (name === 'root.squashfs' && tenth !== lastTenth) say(`root.squashfs: ${tenth * 10}% of ${(total / 1048576).toFixed(1)} MiB`);
      lastTenth = tenth;
    },
  });
  if (staged.manifest.version !== offered) throw new UpdateRejected(`${base.href}manifest.json names version ${staged.manifest.version}, not ${offered}`);
  say(`${offered} downloaded and checked; installing into the other slot`);
  const status = await requestSlotAction('install', installTimeoutMs, say);
  // Written to the slot or refused: either way the staged copy only takes RAM now.
  rmSync(options.staging ?? slotPaths.staging, { recursive: true, force: true });
  if (status.state === 'failed' || !status.slot) throw new UpdateRejected(status.message);
  return { state: 'installed', version: offered, slot: status.slot, downloadedBytes: staged.downloadedBytes, resumedFrom: staged.resumedFrom };
}

/**
 * The version current/ names. Only picks the directory: the signature is checked on
 * versions/VERSION/, whose manifest must name the same version; reading manifest.json and its
 * .sig both through current/ could pair two versions when a publish lands between them.
 */
async function currentVersion(root: URL, options: Pick<AbUpdateOptions, 'ca' | 'idleMs'>): Promise<string> {
  const url = new URL('current/manifest.json', root);
  const bytes = await fetchSmall({ url, ca: options.ca, idleMs: options.idleMs }, maxManifestBytes);
  if (!bytes) throw new UpdateRejected(`${url.href}: not found (HTTP 404)`);
  let version: unknown;
  try {
    version = (JSON.parse(bytes.toString('utf8')) as { version?: unknown }).version;
  } catch (error) {
    throw new UpdateRejected(`${url.href}: not JSON`, { cause: error });
  }
  if (typeof version !== 'string' || !versionPattern.test(version)) throw new UpdateRejected(`${url.href}: no valid version`);
  return version;
}
