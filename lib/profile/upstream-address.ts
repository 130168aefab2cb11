/** The lab's upstream resolver as a profile names it (`resolver.upstream`). */
import { isIP } from 'node:net';

/** The port an upstream resolver listens on when the profile names only its address. */
export const DEFAULT_UPSTREAM_PORT = 53;

/** An address[:port] as a profile writes it (`192.0.2.53`, `127.0.0.1:5353`, `::1`, `[::1]:5353`); throws saying what is wrong. */
export function parseUpstreamAddress(text: string): { address: string; port: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
  const plainV4 = /^([0-9.]+)(?::(\d{1,5}))?$/.exec(text);
  const [address, port] = bracketed
    ? [bracketed[1]!, bracketed[2]]
    : plainV4
      ? [plainV4[1]!, plainV4[2]]
      : [text, undefined];
  if (isIP(address) === 0)
    throw new Error(`"${text}" is not an IP address with an optional port (192.0.2.53, 127.0.0.1:5353, [::1]:5353)`);
  const number = port === undefined ? DEFAULT_UPSTREAM_PORT : Number(port);
  if (!Number.isInteger(number) || number < 1 || number > 65535)
    throw new Error(`"${text}": port ${port} is not 1-65535`);
  return { address: address.toLowerCase(), port: number };
}
