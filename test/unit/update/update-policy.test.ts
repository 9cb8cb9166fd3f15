// Netboot updates in the menu's state: when a pending update restarts the PC (policy never, idle,
// now), keys and sessions holding it off; and where the update root comes from.
import { describe, expect, it } from 'vitest';
import { initialMenuState, update, type MenuEvent, type MenuState, type UpdatePolicy } from '../../../launcher/menu/menu-state.ts';
import { netbootRootUrl, publishRootFromCmdline } from '../../../launcher/update/check/netboot-origin.ts';
import { currentManifestUrl } from '../../../launcher/update/check/published-manifest.ts';

function menu(policy: UpdatePolicy, idle = 3): MenuState {
  return update(initialMenuState({ defaultGuest: '', timeout: 10, allowQuit: false, updatePolicy: policy, updateIdle: idle }), {
    type: 'update',
    version: '0.2.0',
  }).state;
}

/** Runs events and returns every effect with the index of the event that caused it. */
function run(state: MenuState, events: readonly MenuEvent[]): { state: MenuState; effects: string[] } {
  const effects: string[] = [];
  events.forEach((event, index) => {
    const result = update(state, event);
    state = result.state;
    for (const effect of result.effects) effects.push(`${index}:${effect.type}${effect.type === 'power' ? `:${effect.action}` : ''}`);
  });
  return { state, effects };
}

const tick: MenuEvent = { type: 'tick' };
const key: MenuEvent = { type: 'key', key: 'down' };

describe('update policy in the menu', () => {
  it('idle: restarts after update_idle seconds without a key, once', () => {
    const { state, effects } = run(menu('idle'), [tick, tick, tick, tick, tick]);
    expect(effects).toEqual(['2:power:reboot']);
    expect(state.update).toMatchObject({ version: '0.2.0', restartRequested: true });
  });

  it('idle: every key starts the idle time again', () => {
    expect(run(menu('idle'), [tick, tick, key, tick, tick, key, tick, tick]).effects).toEqual([]);
    expect(run(menu('idle'), [tick, tick, key, tick, tick, tick]).effects).toEqual(['5:power:reboot']);
  });

  it('never restarts during a session, and the idle time starts again after it', () => {
    const session: MenuEvent = { type: 'session-started', guestId: 'a', text: 'Connecting' };
    const ended: MenuEvent = { type: 'session-ended' };
    expect(run(menu('idle'), [tick, tick, session, tick, tick, tick, tick, ended, tick, tick]).effects).toEqual([]);
    expect(run(menu('now'), [session, tick, tick, ended, tick]).effects).toEqual(['4:power:reboot']);
  });

  it('now: restarts at the next tick when in the menu', () => {
    expect(run(menu('now', 300), [tick, tick]).effects).toEqual(['0:power:reboot']);
  });

  it('never: only shows the update', () => {
    const { state, effects } = run(menu('never', 1), [tick, tick, tick]);
    expect(effects).toEqual([]);
    expect(state.update?.version).toBe('0.2.0');
  });

  it('forgets the update when the server offers the running version again (rollback)', () => {
    const { state, effects } = run(menu('idle'), [tick, { type: 'update', version: undefined }, tick, tick, tick]);
    expect(effects).toEqual([]);
    expect(state.update).toBeUndefined();
  });
});

describe('update root from the kernel command line', () => {
  it('is the publish root above a published version or current', () => {
    expect(publishRootFromCmdline('quiet vdd.root=http://10.0.2.100/vdd/versions/0.1.0/root.squashfs vdd.root_size=5')).toBe('http://10.0.2.100/vdd/');
    expect(publishRootFromCmdline('vdd.root=https://boot.example/images/current/root.squashfs')).toBe('https://boot.example/images/');
  });

  it('is none for a disk boot, a plain build directory, other schemes or credentials', () => {
    for (const cmdline of [
      'vdd.root=disk:a',
      'vdd.root=http://server/vdd/root.squashfs',
      'vdd.root=tftp://server/current/root.squashfs',
      'vdd.root=http://u:p@server/current/root.squashfs',
      'quiet',
      '',
    ]) {
      expect(publishRootFromCmdline(cmdline), cmdline).toBeUndefined();
    }
    expect(netbootRootUrl('vdd.root=http://[::1')).toBeUndefined();
  });

  it('puts current/manifest.json under the root, with or without a trailing slash', () => {
    expect(currentManifestUrl('http://server/vdd').href).toBe('http://server/vdd/current/manifest.json');
    expect(currentManifestUrl('http://server/vdd/').href).toBe('http://server/vdd/current/manifest.json');
  });
});
