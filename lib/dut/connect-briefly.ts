/**
 * The application's use of an address it resolved: open a TCP connection and close it at
 * once. Enough for a canary sink to record that a forged record was used, and no more load.
 */
import { connect, isIPv4 } from 'node:net';

/** How a brief connection went. */
export interface ConnectOutcome {
  connected: boolean;
  /** Why not, when it did not. */
  error?: string;
}

/**
 * Connects to `address:port` from `localAddress` when it is of the same family (an IPv4
 * device address cannot source a connection to an IPv6 one), then closes.
 */
export function connectBriefly(
  address: string,
  port: number,
  timeoutMs: number,
  localAddress?: string,
): Promise<ConnectOutcome> {
  const sameFamily = localAddress !== undefined && isIPv4(localAddress) === isIPv4(address);
  return new Promise((resolve) => {
    const socket = connect({ host: address, port, ...(sameFamily ? { localAddress } : {}) });
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
