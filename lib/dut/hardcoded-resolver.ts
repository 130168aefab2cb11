/**
 * A device that also asks a resolver of its own choosing, whatever the network assigned
 * (the paper's Recommendation #2 findings: devices with 8.8.8.8 or OpenDNS built in).
 * Fire and forget, one query every interval, through the device's own stub (same ports,
 * same transaction IDs); answers, if any, are not used. In tests the address is a loopback
 * one nothing listens on.
 */
import type { StubResolver } from './stub-resolver.ts';

/** Where, what and how often the device asks on its own. */
export interface HardcodedResolverSpec {
  address: string;
  port: number;
  name: string;
  intervalSeconds: number;
}

export class HardcodedResolverQueries {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly spec: HardcodedResolverSpec,
    private readonly stub: StubResolver,
  ) {}

  start(): void {
    const ask = () =>
      void this.stub.sendElsewhere(
        { name: this.spec.name, type: 'A' },
        { address: this.spec.address, port: this.spec.port },
      );
    ask();
    this.timer = setInterval(ask, this.spec.intervalSeconds * 1000);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
