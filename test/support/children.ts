// Real peer daemons as children of the test process: started with argument arrays, stopped by
// PID (whole process group) after the test file, with their stderr kept for failure messages.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll } from 'vitest';
import { signalGroup } from '../../launcher/session/session-process.ts';

export type StartOptions = {
  readonly env?: Record<string, string>;
  readonly cwd?: string;
  /** Run inside this network namespace (ip netns exec keeps the PID). */
  readonly netns?: string;
};

export class Child {
  readonly name: string;
  readonly process: ChildProcess;
  private output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(name: string, process: ChildProcess) {
    this.name = name;
    this.process = process;
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-16384);
    };
    process.stdout?.on('data', keep);
    process.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => process.on('exit', (code, signal) => resolve({ code, signal })));
  }

  get pid(): number {
    if (this.process.pid === undefined) throw new Error(`${this.name} did not start`);
    return this.process.pid;
  }

  get running(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  /** The last 16 KiB of what it wrote to stdout and stderr. */
  get log(): string {
    return this.output;
  }

  /** SIGTERM to its process group, SIGKILL after the grace period. */
  async stop(graceMs = 3000): Promise<void> {
    if (!this.running) return;
    signalGroup(this.pid, 'SIGTERM');
    const timeout = sleep(graceMs).then(() => 'timeout' as const);
    if ((await Promise.race([this.exited, timeout])) === 'timeout') {
      signalGroup(this.pid, 'SIGKILL');
      await this.exited;
    }
  }

  /** Kills at once, as a crash or power loss would. */
  async kill(): Promise<void> {
    if (!this.running) return;
    signalGroup(this.pid, 'SIGKILL');
    await this.exited;
  }
}

export class Children {
  private readonly started: Child[] = [];

  start(name: string, command: string, args: readonly string[], options: StartOptions = {}): Child {
    const [file, argv] = options.netns ? ['ip', ['netns', 'exec', options.netns, command, ...args]] : [command, [...args]];
    const child = new Child(name, spawn(file, argv, { env: options.env ?? process.env, cwd: options.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] }));
    child.process.on('error', () => {});
    this.started.push(child);
    return child;
  }

  async stopAll(): Promise<void> {
    await Promise.all(
      this.started
        .splice(0)
        .reverse()
        .map((child) => child.stop()),
    );
  }
}

/** A Children registry whose processes are stopped after the current test file. */
export function useChildren(): Children {
  const children = new Children();
  afterAll(() => children.stopAll());
  return children;
}

/** Polls until check() is truthy; fails early, with the child's output, if the child exits. */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  options: { timeoutMs?: number | undefined; child?: Child | undefined } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    const value = await check();
    if (value) return value;
    if (options.child && !options.child.running) throw new Error(`${options.child.name} exited before ${what}:\n${options.child.log}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${options.child ? `; ${options.child.name} said:\n${options.child.log}` : ''}`);
    await sleep(20);
  }
}

export function tcpPortOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function waitForTcpPort(host: string, port: number, child?: Child, timeoutMs?: number): Promise<void> {
  await waitFor(`${host}:${port} to accept connections`, () => tcpPortOpen(host, port), { child, timeoutMs });
}

export async function waitForFile(path: string, child?: Child): Promise<void> {
  await waitFor(`${path} to appear`, () => existsSync(path), { child });
}
