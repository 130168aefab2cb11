/**
 * Turns dnsmasq's `--log-dhcp` lines (2.90, `--log-facility=-`) into lease evidence. One
 * DHCP transaction logs its message line (`DHCPACK(eth1) 10.77.0.50 02:00:..`) and then,
 * under the same transaction number, the options the client asked for and every option
 * the server sent (`sent size:  4 option:  6 dns-server  10.77.0.1`). dnsmasq's
 * `--dhcp-script` hears of leases but not of the options sent, hence the log.
 */
import type { DhcpLeaseEvent, DhcpOptionSent, Microseconds } from '../evidence/events.ts';

/** A lease event before it is given to a DUT's log. */
export type ParsedLease = Omit<DhcpLeaseEvent, 'seq' | 'phase' | 'dut'>;

/** One line of dnsmasq's log: transaction lines carry the DHCP transaction number. */
const TRANSACTION_LINE = /^dnsmasq-dhcp\[\d+\]: (\d+) (.*)$/;
const MESSAGE =
  /^DHCP(DISCOVER|OFFER|REQUEST|ACK|NAK|RELEASE|DECLINE|INFORM)\(([^)]+)\)(?: (\d{1,3}(?:\.\d{1,3}){3}))? ([0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5})\b/;
const REQUESTED = /^requested options: (.*)$/;
const SENT = /^sent size:\s*\d+ option:\s*(\d+)\s+(.*)$/;

interface Transaction {
  /** A DISCOVER was seen: whatever it ends in is a new lease, not a renewal. */
  discover: boolean;
  /** The server's reply waiting for its option lines. */
  pending: ParsedLease | null;
}

/**
 * Feed it lines as they arrive; it calls `emit` for each ACK (lease or renewal), NAK and
 * RELEASE once the transaction's option lines are in (the next message line, or `flush`).
 */
export class DnsmasqLeaseLog {
  private readonly transactions = new Map<string, Transaction>();
  private readonly leased = new Set<string>();
  private readonly unflushed: Transaction[] = [];

  constructor(private readonly emit: (lease: ParsedLease) => void) {}

  /** One log line, read at `t`. Lines that are not DHCP transactions are ignored. */
  line(text: string, t: Microseconds): void {
    const match = TRANSACTION_LINE.exec(text.trimEnd());
    if (!match) return;
    const [, xid = '', body = ''] = match;
    const message = MESSAGE.exec(body);
    if (message) {
      this.flush();
      const [, kind = '', iface = '', address, mac = ''] = message;
      const transaction = this.transaction(xid);
      if (kind === 'DISCOVER') transaction.discover = true;
      const lower = mac.toLowerCase();
      let leaseKind: ParsedLease['kind'] | null = null;
      if (kind === 'ACK') leaseKind = transaction.discover || !this.leased.has(lower) ? 'lease' : 'renewal';
      else if (kind === 'NAK') leaseKind = 'nak';
      else if (kind === 'RELEASE') leaseKind = 'release';
      if (leaseKind === null) return;
      if (kind === 'ACK') this.leased.add(lower);
      transaction.pending = {
        type: 'dhcp.lease',
        t,
        kind: leaseKind,
        mac: lower,
        address: address ?? null,
        interface: iface,
        xid,
        requested: [],
        options: [],
      };
      this.unflushed.push(transaction);
      if (kind !== 'ACK') transaction.discover = false;
      return;
    }
    const pending = this.transactions.get(xid)?.pending;
    if (!pending) return;
    const requested = REQUESTED.exec(body);
    if (requested) {
      for (const code of requested[1]!.matchAll(/(\d+)(?::[\w-]+)?/g)) pending.requested.push(Number(code[1]));
      return;
    }
    const sent = SENT.exec(body);
    if (sent) pending.options.push(sentOption(Number(sent[1]), sent[2]!.trim()));
  }

  /** Emits every reply still waiting for more option lines. */
  flush(): void {
    for (const transaction of this.unflushed.splice(0)) {
      const lease = transaction.pending;
      if (!lease) continue;
      transaction.pending = null;
      if (lease.kind === 'lease' || lease.kind === 'nak') transaction.discover = false;
      this.emit(lease);
    }
  }

  private transaction(xid: string): Transaction {
    let transaction = this.transactions.get(xid);
    if (!transaction) {
      transaction = { discover: false, pending: null };
      this.transactions.set(xid, transaction);
    }
    return transaction;
  }
}

/** `dns-server  10.77.0.1` → name and value; `00:05:..` (an option dnsmasq has no name for) → value only. */
function sentOption(code: number, rest: string): DhcpOptionSent {
  const named = /^([A-Za-z][\w-]*)\s+(.*)$/.exec(rest);
  return named ? { code, name: named[1]!, value: named[2]!.trim() } : { code, name: null, value: rest };
}

/** The value of option `code` in a lease's options, or null. */
export function optionValue(lease: Pick<DhcpLeaseEvent, 'options'>, code: number): string | null {
  return lease.options.find((o) => o.code === code)?.value ?? null;
}

/** The resolver addresses option 6 handed out (dnsmasq prints them comma-separated). */
export function dnsServers(lease: Pick<DhcpLeaseEvent, 'options'>): string[] {
  const value = optionValue(lease, 6);
  return value === null ? [] : value.split(/[,\s]+/).filter((a) => a !== '');
}
