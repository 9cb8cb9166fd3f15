// A separate process that publishes and rolls back as fast as it can, through the same code as
// vdd-image publish and rollback: load tests run it beside HTTP clients to catch any moment at
// which the published root is half-switched.
// Usage: node publish-switcher.ts ROOT PUBLIC_KEY_FILE SWITCHES VERSION_DIR...
import { readPublicKeyFile } from '../../image/sign/key-files.ts';
import { publishVersion } from '../../image/publish/publish-version.ts';
import { rollbackVersion } from '../../image/publish/rollback-version.ts';

const [root, keyFile, countText, ...versionDirs] = process.argv.slice(2);
if (root === undefined || keyFile === undefined || countText === undefined || versionDirs.length === 0) {
  process.stderr.write('usage: publish-switcher.ts ROOT PUBLIC_KEY_FILE SWITCHES VERSION_DIR...\n');
  process.exit(2);
}
const publicKey = readPublicKeyFile(keyFile);
const count = Number(countText);
for (let index = 0; index < count; index++) {
  if (index % 3 === 2) await rollbackVersion(root, publicKey, undefined);
  else await publishVersion({ root, from: versionDirs[index % versionDirs.length] ?? '', publicKey, keep: versionDirs.length + 1, say: () => {} });
}
process.stdout.write(`${count} switches\n`);
