// vdd-image entry point: builds, boots, flashes and publishes images (arrives with the image issue).
process.stderr.write('vdd-image: not implemented yet\n');
process.exitCode = 7;
