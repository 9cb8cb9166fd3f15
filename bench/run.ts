// npm run bench: runs every benchmark against the built dist/ and prints one JSON object.
// Figures only, never pass/fail: targets live in the issues and are compared by people.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchFirstFrame } from './first-frame.ts';
import { benchFlash } from './flash.ts';
import { benchImageBoot, benchImageBuild, benchPayload, benchVncSessionMemory, imageBenchDir } from './image-boot.ts';
import { benchImageBootModel } from './image-boot-model.ts';
import { benchLauncherArgs } from './launcher-args.ts';
import { benchLauncherSize } from './launcher-size.ts';
import { benchLtspFlavour } from './ltsp-flavour.ts';
import { writeCachedCatalog } from './menu-fixtures.ts';
import { benchMenuKeys } from './menu-keys.ts';
import { benchMenuMemory } from './menu-memory.ts';
import { benchBrokerLoad } from './broker-load.ts';
import { benchRoomRush, benchSessionWithLease, benchSlowConnectionAttack } from './broker-access.ts';
import { benchCatalogFetch } from './catalog-fetch.ts';
import { benchAvahiDiscovery, benchConfiguredDiscovery } from './discovery.ts';
import { benchSessionMemory, benchVncFirstFrame } from './session.ts';
import { benchRespawn } from './respawn.ts';
import { benchReport } from './report.ts';
import { benchUpdateCheck } from './update-check.ts';
import { benchPublish } from './publish.ts';
import { benchAbUpdate } from './ab-update.ts';
import { benchLibvirtCatalogRefresh, benchLibvirtConsoleFirstFrame, benchLibvirtSessionStart, benchLibvirtTicketSet } from './libvirt.ts';
import { benchAdminPage, benchAdminStatus, benchReportIngest } from './admin-status.ts';

const launcher = fileURLToPath(new URL('../dist/vdd-launcher', import.meta.url));
const imageOutRoot = fileURLToPath(new URL('../dist/image', import.meta.url));
const imageCache = fileURLToPath(new URL('../.cache/image', import.meta.url));
const noImage = { skipped: 'no image built: run vdd-image build (see docs/image.md)' };

type Benchmark = { readonly name: string; run(context: { launcher: string; work: string }): Promise<unknown> };

/** Every benchmark, in the order they run. Later issues add theirs here. */
const benchmarks: readonly Benchmark[] = [
  {
    // The first frame shows a cached catalog of 50 guests; the broker (a closed port) is asked after it.
    name: 'launcherFirstFrame',
    run: ({ launcher, work }) => {
      const cache = join(work, 'first-frame-cache');
      writeCachedCatalog(cache, 50, 'http://127.0.0.1:9/');
      return benchFirstFrame(launcher, [...benchLauncherArgs, '--broker', 'http://127.0.0.1:9/'], { VDD_CACHE_DIR: cache });
    },
  },
  { name: 'menuKeysWith5000Guests', run: ({ launcher, work }) => benchMenuKeys(launcher, work) },
  { name: 'launcherSize', run: ({ launcher }) => benchLauncherSize(launcher) },
  {
    name: 'menuIdleMemory',
    run: ({ launcher, work }) => {
      const config = join(work, 'launcher.conf');
      writeFileSync(config, '[common]\nmenu_timeout = 0\n');
      return benchMenuMemory(
        launcher,
        ['--config', config, '--cmdline', '/dev/null', '--disk-config', '/dev/null', '--set', 'log_file=/dev/null', '--set', 'discovery_sources='],
        { VDD_CACHE_DIR: work },
      );
    },
  },
  { name: 'discoveryFromConfig', run: ({ work }) => benchConfiguredDiscovery(work) },
  { name: 'discoveryViaAvahi', run: () => benchAvahiDiscovery() },
  { name: 'catalogFetch5000', run: ({ work }) => benchCatalogFetch(work) },
  { name: 'brokerLoad500', run: ({ work }) => benchBrokerLoad(work) },
  // Who may use what: a session request through the client gate with a lease and a ticket; 500 PCs
  // choosing among 50 desktops at once; a normal PC's catalog latency while one address attacks
  // with stalled connections.
  { name: 'sessionWithLease', run: ({ work }) => benchSessionWithLease(work) },
  { name: 'roomRush500', run: ({ work }) => benchRoomRush(work) },
  { name: 'slowConnectionAttack', run: ({ work }) => benchSlowConnectionAttack(work) },
  // The admin's view with 5,000 PCs and 500 sessions: status JSON latency, the page's first paint in headless chromium, report ingest.
  { name: 'adminStatus5000', run: ({ work }) => benchAdminStatus(work) },
  { name: 'adminPageFirstPaint', run: ({ work }) => benchAdminPage(work) },
  { name: 'reportIngest', run: ({ work }) => benchReportIngest(work) },
  // vdd-launcher report --json on this machine; one update check (full manifest and 304) against nginx.
  { name: 'launcherReport', run: async ({ launcher, work }) => benchReport(launcher, work) },
  { name: 'updateCheck', run: ({ work }) => benchUpdateCheck(work) },
  // vdd-image publish (copied on one file system and across two), rollback and verify of a 460 MiB version (75 MiB payload), fake bytes.
  { name: 'publish', run: ({ work }) => benchPublish(work) },
  // Enter -> first remote frame vs. the same vncviewer by hand (Xvnc in Xvfb), and launcher RSS during a session / after exec.
  { name: 'vncFirstFrame', run: ({ launcher, work }) => benchVncFirstFrame(launcher, work) },
  { name: 'sessionMemory', run: ({ launcher, work }) => benchSessionMemory(launcher, work) },
  // A real libvirtd with QEMU domains (TCG): session request -> real port of a stopped domain, Enter -> the VM's
  // console for a stopped and a running domain, one catalog round of 2 hosts x 50 domains, a console ticket.
  { name: 'libvirtSessionStart', run: ({ work }) => benchLibvirtSessionStart(work) },
  { name: 'libvirtConsoleFirstFrame', run: ({ launcher, work }) => benchLibvirtConsoleFirstFrame(launcher, work) },
  { name: 'libvirtCatalogRefresh', run: ({ work }) => benchLibvirtCatalogRefresh(work) },
  { name: 'libvirtTicketSet', run: ({ work }) => benchLibvirtTicketSet(work) },
  // SIGKILL -> the menu again under busybox init (the image's respawn), in a PID namespace (root only).
  { name: 'launcherRespawn', run: ({ launcher, work }) => benchRespawn(launcher, work) },
  // Image benchmarks use the newest version in dist/image; booting takes minutes under TCG.
  {
    name: 'imagePayload',
    run: async () => {
      const dir = imageBenchDir(imageOutRoot);
      return dir ? benchPayload(dir) : noImage;
    },
  },
  // The LTSP flavour's sizes beside imagePayload, and its last end-to-end figures on a stock LTSP server.
  { name: 'ltspFlavour', run: async () => benchLtspFlavour(imageOutRoot) },
  {
    name: 'imageBoot',
    run: async () => {
      const dir = imageBenchDir(imageOutRoot);
      return dir ? benchImageBoot(dir, imageCache) : noImage;
    },
  },
  // Boot to the menu in guest seconds on a deterministic model of an old PC (QEMU -icount), phase
  // by phase, against a bare busybox boot and a stock LTSP client; an hour or more (docs/image.md).
  {
    name: 'imageBootModel',
    run: async () => {
      const dir = imageBenchDir(imageOutRoot);
      return dir ? benchImageBootModel(dir) : noImage;
    },
  },
  {
    name: 'imageVncSession',
    run: async () => {
      const dir = imageBenchDir(imageOutRoot);
      return dir ? benchVncSessionMemory(dir, imageCache) : noImage;
    },
  },
  // A/B update: download + verify of the newest built version's payload (or 75 MiB of fake
  // artifacts) from loopback HTTP, resumed after a cut, and the install into a loop device.
  { name: 'abUpdate', run: ({ work }) => benchAbUpdate(work, imageBenchDir(imageOutRoot)) },
  // Flash + read-back verify of a 256 MiB synthetic disk image on a loop device (root only).
  { name: 'flashLoopDevice', run: ({ work }) => benchFlash(work) },
  {
    name: 'imageBuild',
    run: async ({ work }) =>
      process.env.VDD_BENCH_IMAGE_BUILD === '1'
        ? benchImageBuild(fileURLToPath(new URL('../image/vdd-thin.json', import.meta.url)), work)
        : { skipped: 'set VDD_BENCH_IMAGE_BUILD=1 (as root; downloads every package, several minutes)' },
  },
];

const only = process.argv.slice(2);
const unknown = only.filter((name) => !benchmarks.some((benchmark) => benchmark.name === name));
if (unknown.length > 0) {
  process.stderr.write(`bench: no benchmark named ${unknown.join(', ')}; there are: ${benchmarks.map((benchmark) => benchmark.name).join(' ')}\n`);
  process.exit(2);
}
if (!existsSync(launcher)) {
  process.stderr.write(`bench: ${launcher} is missing; run npm run build first\n`);
  process.exit(1);
}
const work = mkdtempSync(join(tmpdir(), 'vdd-bench-'));
const results: Record<string, unknown> = {};
try {
  for (const benchmark of benchmarks) {
    if (only.length > 0 && !only.includes(benchmark.name)) continue;
    process.stderr.write(`bench: ${benchmark.name}\n`);
    try {
      results[benchmark.name] = await benchmark.run({ launcher, work });
    } catch (error) {
      results[benchmark.name] = { error: (error as Error).message };
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
