// Process entry of the launcher, also when built into a single executable with a startup snapshot:
// everything above main() is evaluated at build time, main() runs at start.
import { startupSnapshot } from 'node:v8';
import { exitCodes } from './cli/exit-codes.ts';
import { main } from './main.ts';

function start(): void {
  // Recomputed here: a startup snapshot froze whatever process.env held at build time.
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`vdd-launcher: internal error: ${String(error)}\n`);
      process.exitCode = exitCodes.internal;
    },
  );
}

if (startupSnapshot?.isBuildingSnapshot()) startupSnapshot.setDeserializeMainFunction(start);
else start();
