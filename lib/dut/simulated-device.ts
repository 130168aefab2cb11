/**
 * The simulated device program. The harness starts it in its own process with its options
 * as JSON in the DNSCONFORM_SIMULATED_DEVICE environment variable; it prints
 * `{"ready":true}` once its application runs, and stops cleanly on SIGTERM or SIGINT.
 */
import { Application } from './application.ts';
import { deviceLog } from './device-log.ts';
import { encryptedUpgradeFor } from './encrypted-upgrade.ts';
import { HardcodedResolverQueries } from './hardcoded-resolver.ts';
import { DeviceService } from './device-service.ts';
import { DhcpClient } from './dhcp-client.ts';
import { StubResolver } from './stub-resolver.ts';
import { OPTIONS_VARIABLE } from './simulated-device-process.ts';
import type { SimulatedDeviceOptions } from './simulated-device-process.ts';

async function main(): Promise<void> {
  const raw = process.env[OPTIONS_VARIABLE];
  if (!raw) {
    process.stderr.write(`${OPTIONS_VARIABLE} is not set: this program is started by the harness\n`);
    process.exit(2);
  }
  const options = JSON.parse(raw) as SimulatedDeviceOptions;
  const log = deviceLog(options.logFile);
  const { behaviour } = options;
  const service = behaviour.service ? new DeviceService(options.sourceAddress, behaviour.service.port, log) : null;
  const onOverflow = () => {
    // What a fragile device does when a datagram overruns its buffer (the paper's devices that became inoperable).
    if (behaviour.onOverflow === 'exit') {
      log('crash', { reason: 'receive buffer overflow' });
      process.exit(70);
    }
    // A hang: the device's service wedges and stops answering, while its DNS stack keeps running.
    log('hang', { reason: 'receive buffer overflow' });
    void service?.close();
  };
  const upgrade = encryptedUpgradeFor(behaviour, {
    sourceAddress: options.sourceAddress,
    resolver: options.resolver,
    trustedCa: options.trustedCa,
    log,
  });
  const stub = new StubResolver({
    behaviour,
    sourceAddress: options.sourceAddress,
    resolver: options.resolver,
    log,
    onOverflow,
    ...(upgrade ? { upgrade } : {}),
    ...(options.trustAnchor ? { trustAnchor: options.trustAnchor } : {}),
  });
  const application = new Application(behaviour, stub, log, options.sourceAddress);
  // A local function that waits on the cloud: the service is down while lookups fail.
  if (service && behaviour.service?.needsDns) application.onResolution = (worked) => service.setAvailable(worked);
  const hardcoded = behaviour.hardcodedResolver
    ? new HardcodedResolverQueries({ port: 53, ...behaviour.hardcodedResolver }, stub)
    : null;
  log('start', {
    dutId: options.dutId,
    sourceAddress: options.sourceAddress,
    resolver: options.resolver,
    pid: process.pid,
  });

  // With a DHCP server (network.dhcp), the device takes its resolver from its lease at boot
  // and from every renewal; `dhcpResolver: ignore` keeps the one it was first given.
  const follow = behaviour.dhcpResolver !== 'ignore';
  const dhcp = options.dhcp
    ? new DhcpClient({
        address: options.sourceAddress,
        mac: options.dhcp.mac,
        server: options.dhcp.server,
        log,
        onLease: (lease) => {
          const offered = lease.dnsServers[0];
          if (offered === undefined) return;
          if (follow) stub.useResolver({ address: offered, port: options.resolver.port });
          else if (offered !== options.resolver.address) log('dhcp-resolver-ignored', { offered });
        },
      })
    : null;

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    application.stop();
    log('stop', { signal });
    hardcoded?.stop();
    dhcp?.stop();
    void Promise.all([stub.close(), service?.close()]).finally(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // A device outlives no harness: killed without a word (kill -9, OOM), the harness cannot stop
  // it, but the device is then re-parented, and stops itself rather than query a dead resolver.
  const harness = process.ppid;
  setInterval(() => {
    if (process.ppid !== harness) stop('harness gone');
  }, 500).unref();

  await service?.start();
  // Ready once it runs: a device waiting for its lease still runs (and uses no CPU doing so).
  process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
  // No lookup before the lease: a device does not use the network until it has one.
  if (dhcp) await dhcp.start();
  if (stopping) return;
  application.start();
  hardcoded?.start();
}

main().catch((error: Error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
