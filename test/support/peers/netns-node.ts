// Runs one exported function of a launcher module inside a test network namespace (a separate
// Node process under ip netns exec) and returns its JSON result: for code that must talk to a
// peer that lives only in the namespace.
import { execFile } from 'node:child_process';

export function callInNetns<T>(netns: string, moduleUrl: URL, exportName: string, args: readonly unknown[]): Promise<T> {
  const script = `const m = await import(${JSON.stringify(moduleUrl.href)}); process.stdout.write(JSON.stringify(await m[${JSON.stringify(exportName)}](...${JSON.stringify(args)})));`;
  return new Promise((resolve, reject) => {
    execFile('ip', ['netns', 'exec', netns, process.execPath, '--input-type=module', '-e', script], { timeout: 20_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${exportName} in ${netns} failed: ${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as T);
    });
  });
}
