// The QEMU command line for booting an image: TCG or KVM, one vCPU, user networking restricted to
// the forwarded loopback ports (restrict=on: the guest reaches nothing else), serial console,
// QMP socket for screendumps and memory statistics.
export type GuestForward = { readonly guestPort: number; readonly hostPort: number };

/** The address the guest reaches the host's forwarded services at. */
export const guestServiceAddress = '10.0.2.100';

export type QemuPlan = {
  readonly accel: 'kvm' | 'tcg';
  readonly memoryMiB: number;
  readonly boot:
    | { readonly kind: 'net'; readonly tftpDir: string; readonly bootFile: string }
    | { readonly kind: 'disk'; readonly image: string; readonly uefi?: { readonly code: string; readonly vars: string } }
    | { readonly kind: 'kernel'; readonly kernel: string; readonly initrd: string; readonly append: string };
  readonly forwards: readonly GuestForward[];
  /** "mon:stdio" for a person at a terminal (Ctrl-A X quits), "stdio" for a program reading it. */
  readonly serial: 'mon:stdio' | 'stdio';
  readonly qmpSocket?: string;
  /**
   * The guest's disk writes reach the image file and a reboot restarts the guest (A/B update
   * tests). Otherwise writes go to a throwaway snapshot and a reboot ends QEMU.
   */
  readonly persistent?: boolean;
  /**
   * Guest time that depends on the guest's work, not on this host (the boot model): -icount
   * shift=N makes every guest instruction take 2^N ns of virtual time. The guest's kernel must run
   * with idle=poll: it then never halts, so its idle time is instructions too and a timer it waits
   * for costs exactly its duration. sleep=on lets a halted firmware (SeaBIOS, iPXE, OVMF) wait in
   * real time; with sleep=off a halted guest's clock jumps to its next timer at once, so every
   * wait for this host's HTTP or NBD server cost up to a timer period. TCG only.
   */
  readonly icountShift?: number;
};

export function qemuArgs(plan: QemuPlan): string[] {
  // cmd: starts the relay once per guest connection; a tcp: target would carry every guest
  // connection over one host connection, which breaks as soon as the server closes it.
  const forwards = plan.forwards
    .map((forward) => `,guestfwd=tcp:${guestServiceAddress}:${forward.guestPort}-cmd:socat STDIO TCP:127.0.0.1:${forward.hostPort}`)
    .join('');
  const tftp = plan.boot.kind === 'net' ? `,tftp=${plan.boot.tftpDir},bootfile=${plan.boot.bootFile}` : '';
  const args = [
    '-nodefaults',
    '-machine',
    `pc,accel=${plan.accel}`,
    '-smp',
    '1',
    '-m',
    String(plan.memoryMiB),
    '-netdev',
    `user,id=net0,restrict=on${tftp}${forwards}`,
    '-device',
    'e1000,netdev=net0',
    '-device',
    'virtio-balloon-pci,id=balloon0',
    '-vga',
    'std',
    '-display',
    'none',
    '-serial',
    plan.serial,
    ...(plan.persistent ? [] : ['-no-reboot']),
  ];
  if (plan.qmpSocket !== undefined) args.push('-qmp', `unix:${plan.qmpSocket},server=on,wait=off`);
  if (plan.icountShift !== undefined) args.push('-icount', `shift=${plan.icountShift},sleep=on`);
  switch (plan.boot.kind) {
    case 'net':
      args.push('-boot', 'n');
      break;
    case 'disk':
      args.push('-drive', `file=${plan.boot.image},format=raw,if=ide${plan.persistent ? '' : ',snapshot=on'}`);
      if (plan.boot.uefi) {
        args.push('-drive', `if=pflash,format=raw,readonly=on,file=${plan.boot.uefi.code}`, '-drive', `if=pflash,format=raw,file=${plan.boot.uefi.vars}`);
      }
      break;
    case 'kernel':
      args.push('-kernel', plan.boot.kernel, '-initrd', plan.boot.initrd, '-append', plan.boot.append);
      break;
  }
  return args;
}

/** The first iPXE script the guest gets over TFTP: where the image is, extra kernel parameters, then the image's own script. */
export function tftpBootScript(extraKernelParameters: readonly string[] = []): string {
  const extra = extraKernelParameters.length > 0 ? [`set vdd-extra ${extraKernelParameters.join(' ')}`] : [];
  return ['#!ipxe', `set vdd-base http://${guestServiceAddress}/`, ...extra, 'chain ${vdd-base}vdd.ipxe', ''].join('\n');
}
