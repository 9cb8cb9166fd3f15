// Xnest inside an outer test display, querying a display manager over XDMCP: shows the greeter
// in a window of the outer display, as a nested session does.
import type { Children } from '../children.ts';
import { startXServer, type XServer } from './x-display.ts';
import type { XdmcpNetwork } from './xdmcp-network.ts';

export function startXnest(children: Children, outer: XServer, net: XdmcpNetwork, geometry = '800x600'): Promise<XServer> {
  return startXServer(children, 'Xnest', 'Xnest', ['-query', net.serverAddress, '-geometry', geometry, '-once'], {
    netns: net.netns,
    env: { ...process.env, DISPLAY: outer.name },
  });
}
