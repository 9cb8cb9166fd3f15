// Where the broker takes VNC's DES helpers from; the one implementation is launcher/vnc/vnc-des.ts.
export { scrambleVncPassword, vncAuthResponse } from '../vnc/vnc-des.ts';
