#!/usr/bin/env node
// vdd-launcher from a checkout.
import { runProgram } from './run-with-pinned-node.js';

await runProgram('../launcher/entry.ts');
