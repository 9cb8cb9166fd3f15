// npm run demo: shows the launcher the way an admin meets it: its help and the effective
// configuration of a lab PC from the sample config in overlays/.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const launcher = fileURLToPath(new URL('../dist/vdd-launcher', import.meta.url));
const sampleConfig = fileURLToPath(new URL('../overlays/etc/vdd/launcher.conf', import.meta.url));

function show(title: string, args: string[]): void {
  process.stdout.write(`\n$ vdd-launcher ${args.join(' ')}    # ${title}\n`);
  const result = spawnSync(launcher, args, { stdio: 'inherit' });
  if (result.error) throw result.error;
}

show('what it can do', ['--help']);
show('what a lab PC would get from the sample config', ['config', '--explain', '--config', sampleConfig, '--hostname', 'lab-pc07', '--mac', '52:54:00:12:34:56']);
