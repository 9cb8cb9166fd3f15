#!/usr/bin/env node
// vdd-image from a checkout.
import { runProgram } from './run-with-pinned-node.js';

await runProgram('../image/main.ts');
