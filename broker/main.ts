// vdd-broker entry point: the reference broker (its program arrives with the broker issue).
process.stderr.write('vdd-broker: not implemented yet\n');
process.exitCode = 7;
