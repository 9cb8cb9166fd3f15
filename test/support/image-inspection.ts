// Test-only root access to a booted image: an archive appended to the image's initrd (the kernel
// unpacks both) whose rdinit installs a hook in the new root's tmpfs overlay, run by init on the
// second serial port (ttyS1). The shipped image has no such hook; the test asks it fixed
// questions (processes, screens, a secret scan) and reads the answers on that port.
import { readFileSync, writeFileSync } from 'node:fs';
import { newcArchive } from '../../image/boot/newc-archive.ts';
import { SerialConsole } from '../../image/boot/serial-console.ts';

export const inspectionKernelParameter = 'rdinit=/vdd-test/rdinit';

const scripts = new URL('./image-inspection/', import.meta.url).pathname;

/** Writes the image's initrd followed by the hook's archive to `output`. */
export function writeInspectionInitrd(imageInitrd: string, output: string): void {
  const original = readFileSync(imageInitrd);
  // Each archive in an initramfs starts on a 4-byte boundary.
  const padding = Buffer.alloc((4 - (original.length % 4)) % 4);
  const hook = newcArchive([
    { name: 'vdd-test', mode: 0o755 },
    ...['rdinit', 'install', 'inspect'].map((name) => ({ name: `vdd-test/${name}`, mode: 0o755, data: readFileSync(`${scripts}${name}`) })),
  ]);
  writeFileSync(output, Buffer.concat([original, padding, hook]));
}

export type InspectedProcess = {
  readonly pid: number;
  /** real, effective, saved, file-system uid */
  readonly uids: readonly number[];
  readonly state: string;
  readonly capEff: string;
  readonly ttyNr: number;
  /** The kernel function it sleeps in (why a process hangs). */
  readonly wchan: string;
  readonly stdin: string;
  readonly exe: string;
  readonly comm: string;
};

export class ImageInspector {
  private readonly port: SerialConsole;
  private nextId = 1;

  private constructor(port: SerialConsole) {
    this.port = port;
  }

  static async connect(socket: string): Promise<ImageInspector> {
    return new ImageInspector(await SerialConsole.connect(socket));
  }

  /** The answer's lines; throws with the port's output when none comes in time. */
  async ask(command: string, timeoutMs = 60_000): Promise<string[]> {
    const id = this.nextId++;
    const from = this.port.mark();
    this.port.type(`${id} ${command}\n`);
    const match = await this.port.waitFor(
      new RegExp(`@@begin ${id}\\n([\\s\\S]*?)@@end ${id}\\n`),
      `the hook's answer to "${command.split(' ')[0]}"`,
      timeoutMs,
      from,
    );
    return (match[1] ?? '').split('\n').filter((line) => line !== '');
  }

  /** Asks until the hook answers (it starts once init runs in the new root). */
  async ready(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        if ((await this.ask('ping', 3000)).includes('pong')) return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`the image's inspection hook on ttyS1 never answered: ${(error as Error).message}`);
      }
    }
  }

  async processes(): Promise<InspectedProcess[]> {
    return (await this.ask('processes')).flatMap((line) => {
      const fields = Object.fromEntries([...line.matchAll(/(\w+)=(\S*)/g)].map((match) => [match[1], match[2] ?? '']));
      if (!line.startsWith('proc ') || fields.pid === undefined) return [];
      return [
        {
          pid: Number(fields.pid),
          uids: (fields.uid ?? '').split(',').filter(Boolean).map(Number),
          state: fields.state ?? '',
          capEff: fields.capeff ?? '',
          ttyNr: Number(fields.ttynr),
          wchan: fields.wchan ?? '',
          stdin: fields.stdin ?? '',
          exe: fields.exe ?? '',
          // comm is last on the line and may hold spaces.
          comm: line.slice(line.indexOf(' comm=') + 6),
        },
      ];
    });
  }

  async activeVt(): Promise<string> {
    return (await this.ask('active-vt')).join('').replace(/^active /, '');
  }

  /** The text on virtual console n, rows joined. */
  async screen(n: number): Promise<string> {
    return (await this.ask(`screen ${n}`)).find((line) => line.startsWith('text '))?.slice(5) ?? '';
  }

  close(): void {
    this.port.close();
  }
}
