// vdd-image --help and COMMAND --help, made from the command table (docs/image.md is the full
// manual).
import { optionLines } from '../../common/cli/option-lines.ts';
import type { ImageCommand } from './command.ts';
import { imageCommands } from './commands.ts';
import { imageOptionDocs } from './option-docs.ts';
import { globalImageOptions, imageOptionSpecs, type ImageOptionName } from './options.ts';

const indent = (text: string, spaces: number) => text.replace(/^/gm, ' '.repeat(spaces));
const usageLines = (command: ImageCommand, program = '') => command.usage.map((form) => `  ${program}${form.synopsis}\n${indent(form.help, 8)}`);
const options = (names: readonly ImageOptionName[]) => optionLines(names, imageOptionSpecs, imageOptionDocs);
const exitStatus = 'Exit status: 0 success, 1 failure, 2 usage error, 130 interrupted.';

export function imageHelp(): string {
  return [
    'Usage: vdd-image COMMAND [OPTIONS]',
    '',
    'Builds the vdd-thin boot image from a declarative spec, boots it in QEMU, signs it and',
    'publishes it for netboot clients.',
    '',
    'Commands:',
    ...imageCommands.flatMap((command) => usageLines(command)),
    '',
    'Options for every command:',
    ...options(globalImageOptions),
    '',
    exitStatus,
    "'vdd-image COMMAND --help' lists the command's options; the manual is docs/image.md.",
    '',
  ].join('\n');
}

export function imageCommandHelp(command: ImageCommand): string {
  return [
    'Usage:',
    ...usageLines(command, 'vdd-image '),
    '',
    'Options:',
    ...options([...command.options, ...globalImageOptions]),
    '',
    exitStatus,
    'See docs/image.md.',
    '',
  ].join('\n');
}
