// The harness every peer test stands on: namespaces, veth pairs and children stopped by PID.
import { describe, expect, it } from 'vitest';
import { useTestNetwork, netnsUnavailable } from '../../support/netns.ts';
import { useChildren, waitForTcpPort } from '../../support/children.ts';
import { execFileSync } from 'node:child_process';
import { announceSkip } from '../../support/skip-reason.ts';

const unavailable = announceSkip('peers harness', netnsUnavailable());

describe.skipIf(unavailable)('test network and children', () => {
  const network = useTestNetwork();
  const children = useChildren();

  it('reaches a listener in a namespace over a veth pair and stops it by PID', async () => {
    const server = network.namespace('h');
    const client = network.namespace('c');
    network.veth({ netns: server, address: '10.203.7.1/24' }, { netns: client, address: '10.203.7.2/24' });
    const listener = children.start('listener', process.execPath, ['-e', "require('net').createServer(s=>s.end('hi')).listen(7777,'10.203.7.1')"], {
      netns: server,
    });
    await expect(
      (async () => {
        for (let i = 0; i < 100; i++) {
          try {
            return execFileSync(
              'ip',
              [
                'netns',
                'exec',
                client,
                process.execPath,
                '-e',
                "require('net').connect(7777,'10.203.7.1').on('data',d=>{process.stdout.write(d);process.exit(0)})",
              ],
              { encoding: 'utf8', timeout: 5000 },
            );
          } catch {
            await new Promise((r) => setTimeout(r, 50));
          }
        }
        return 'never';
      })(),
    ).resolves.toBe('hi');
    await listener.stop();
    expect(listener.running).toBe(false);
  });

  it('waits for a TCP port and reports the output of a child that died first', async () => {
    const dead = children.start('dies', process.execPath, ['-e', "console.error('cannot bind'); process.exit(3)"]);
    await expect(waitForTcpPort('127.0.0.1', 1, dead)).rejects.toThrow(/dies exited before 127.0.0.1:1 to accept connections:\ncannot bind/);
  });
});
