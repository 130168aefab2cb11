/**
 * The application's use of an address it resolved: open a TCP connection and close it at
 * once. Enough for a canary sink to record that a forged record was used, and no more load.
 */
import { connect, isIPv4 } from 'node:net';
import { canonicalAddress } from '../resolver/access-list.ts';

/** How a brief connection went. */
export interface ConnectOutcome {
  connected: boolean;
  /** Why not, when it did not. */
  error?: string;
}

/**
 * Connects to `address:port` from `localAddress` when it is of the same family (an IPv4
 * device address cannot source a connection to an IPv6 one), then closes. An IPv4-mapped
 * IPv6 address (the simulated devices' IPv6 canary, `::ffff:127.A.B.82`) is reached from the
 * device's IPv4 address mapped the same way: the kernel carries it as IPv4, so the canary
 * sink sees which device connected (every other IPv6 loopback connection comes from ::1).
 */
export function connectBriefly(
  address: string,
  port: number,
  timeoutMs: number,
  localAddress?: string,
): Promise<ConnectOutcome> {
  const mapped = !isIPv4(address) && isIPv4(canonicalAddress(address));
  const sameFamily = localAddress !== undefined && isIPv4(localAddress) === isIPv4(address);
  const from =
    mapped && localAddress !== undefined && isIPv4(localAddress)
      ? `::ffff:${localAddress}`
      : sameFamily
        ? localAddress
        : undefined;
  return new Promise((resolve) => {
    const socket = connect({ host: address, port, ...(from !== undefined ? { localAddress: from } : {}) });
    const finish = (outcome: ConnectOutcome) => {
      socket.destroy();
      resolve(outcome);
    };
    socket.setTimeout(timeoutMs, () => finish({ connected: false, error: `no connection within ${timeoutMs} ms` }));
    socket.once('connect', () => {
      socket.end();
      resolve({ connected: true });
    });
    socket.once('error', (error: NodeJS.ErrnoException) =>
      finish({ connected: false, error: error.code ?? error.message }),
    );
  });
}
