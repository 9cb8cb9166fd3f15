// esbuild plugin that makes blessed bundle into one file and run from a startup snapshot:
// static widget requires, terminfo fallback files embedded, search paths read at run time;
// and terminal capabilities compiled when first used.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin } from 'esbuild';

/** Widgets that pull in optional native or image code the launcher never uses. */
const excludedWidgets = new Set(['terminal', 'image', 'ansiimage', 'overlayimage', 'video', 'bigtext', 'filemanager']);
const embeddedPrefix = '/@blessed-usr/';

function replaceOnce(source: string, from: string, to: string, file: string): string {
  if (!source.includes(from)) throw new Error(`blessed-plugin: ${file} no longer contains ${JSON.stringify(from)}; update the plugin`);
  return source.replaceAll(from, to);
}

export function blessedPlugin(): Plugin {
  const blessedDir = dirname(createRequire(import.meta.url).resolve('blessed/package.json'));
  return {
    name: 'blessed',
    setup(build) {
      build.onLoad({ filter: /[\\/]blessed[\\/]lib[\\/]widget\.js$/ }, (args) => {
        let source = readFileSync(args.path, 'utf8');
        const widgets = readdirSync(join(blessedDir, 'lib/widgets')).map((file) => file.replace(/\.js$/, ''));
        const cases = widgets
          .filter((name) => !excludedWidgets.has(name))
          .map((name) => `case ${JSON.stringify(name)}: return require(${JSON.stringify(`./widgets/${name}.js`)});`)
          .join('\n');
        source = replaceOnce(source, "require('./widgets/' + file)", 'loadWidget(file)', args.path);
        source += `\nfunction loadWidget(file) {\n  switch (file) {\n${cases}\n  default: return undefined;\n  }\n}\n`;
        return { contents: source, loader: 'js' };
      });

      build.onLoad({ filter: /[\\/]blessed[\\/]lib[\\/]tput\.js$/ }, (args) => {
        let source = readFileSync(args.path, 'utf8');
        source = replaceOnce(source, "fs = require('fs')", "fs = require('vdd-blessed-embedded-fs')", args.path);
        source = replaceOnce(source, "__dirname + '/../usr/", `'${embeddedPrefix}`, args.path);
        // Search paths depend on HOME and TERMINFO: compute them when used, not when the snapshot is built.
        source = replaceOnce(source, 'Tput.ipaths = [', 'Tput.ipaths = () => [', args.path);
        source = replaceOnce(source, 'Tput.ipaths.slice()', 'Tput.ipaths()', args.path);
        source = replaceOnce(source, 'Tput.cpaths = [', 'Tput.cpaths = () => [', args.path);
        source = replaceOnce(source, 'Tput.cpaths.slice()', 'Tput.cpaths()', args.path);
        // Each capability string is compiled into a function (new Function) on its first use, not
        // all of them at start: the menu uses eight of a terminal's hundreds, and compiling them
        // all was a third of the launcher's JavaScript before its first frame in a CPU profile.
        source = replaceOnce(
          source,
          'info.methods[key] = self._compile(info, key, info.all[key]);',
          "info.methods[key] = type === 'strings' && info.all[key] ? compileOnFirstUse(self, info, key, info.all[key]) : self._compile(info, key, info.all[key]);",
          args.path,
        );
        source += `
function compileOnFirstUse(tput, info, key, str) {
  var compiled;
  return function() {
    if (!compiled) compiled = tput._compile(info, key, str);
    return compiled.apply(this, arguments);
  };
}
`;
        return { contents: source, loader: 'js' };
      });

      build.onResolve({ filter: /^vdd-blessed-embedded-fs$/ }, () => ({ path: 'embedded-fs', namespace: 'vdd-blessed' }));
      build.onLoad({ filter: /.*/, namespace: 'vdd-blessed' }, () => {
        const usr = join(blessedDir, 'usr');
        const files = Object.fromEntries(
          readdirSync(usr)
            .filter((name) => statSync(join(usr, name)).isFile())
            .map((name) => [embeddedPrefix + name, readFileSync(join(usr, name)).toString('base64')]),
        );
        return {
          loader: 'js',
          contents: `
const fs = require('fs');
const files = ${JSON.stringify(files)};
module.exports = Object.assign({}, fs, {
  readFileSync(path, options) {
    if (typeof path === 'string' && Object.hasOwn(files, path)) {
      const data = Buffer.from(files[path], 'base64');
      const encoding = typeof options === 'string' ? options : options && options.encoding;
      return encoding ? data.toString(encoding) : data;
    }
    return fs.readFileSync(path, options);
  },
});`,
        };
      });
    },
  };
}
