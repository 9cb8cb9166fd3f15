import { describe, expect, it } from 'vitest';
import { splitKernelCmdline, vddParameters } from '../../../launcher/config/kernel-cmdline.ts';

describe('kernel command line', () => {
  it('splits on blanks and keeps double-quoted spaces, as the kernel does', () => {
    expect(splitKernelCmdline('BOOT_IMAGE=/vmlinuz quiet vdd.menu_title="Lab 3 desk"  ro\n')).toEqual([
      { name: 'BOOT_IMAGE', value: '/vmlinuz' },
      { name: 'quiet', value: undefined },
      { name: 'vdd.menu_title', value: 'Lab 3 desk' },
      { name: 'ro', value: undefined },
    ]);
  });

  it('picks vdd.* parameters, lower-cases keys and keeps everything after the first =', () => {
    expect(vddParameters('root=/dev/ram0 VDD.Broker=http://b/?a=1 vdd.flag initrd=x')).toEqual([
      { name: 'broker', value: 'http://b/?a=1' },
      { name: 'flag', value: undefined },
    ]);
  });

  it("leaves out the initrd's parameters, which every netbooted PC has and are no launcher settings", () => {
    expect(
      vddParameters(
        'vdd.root=http://s/vdd/versions/1/root.squashfs vdd.root_size=5 vdd.ram_reserve=150 vdd.fetch=nbd vdd.nbd=s:1 vdd.trial_timeout=90 vdd.menu_timeout=7',
      ),
    ).toEqual([{ name: 'menu_timeout', value: '7' }]);
  });
});
