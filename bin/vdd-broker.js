#!/usr/bin/env node
// vdd-broker from a checkout.
import { runProgram } from './run-with-pinned-node.js';

await runProgram('../broker/main.ts');
