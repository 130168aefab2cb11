/**
 * The simulated device program. The harness starts it in its own process with its options
 * as JSON in the DNSCONFORM_SIMULATED_DEVICE environment variable; it prints
 * `{"ready":true}` once its application runs, and stops cleanly on SIGTERM or SIGINT.
 */
import { Application } from './application.ts';
import { deviceLog } from './device-log.ts';
import { encryptedUpgradeFor } from './encrypted-upgrade.ts';
import { StubResolver } from './stub-resolver.ts';
import { OPTIONS_VARIABLE } from './simulated-device-process.ts';
import type { SimulatedDeviceOptions } from './simulated-device-process.ts';

function main(): void {
  const raw = process.env[OPTIONS_VARIABLE];
  if (!raw) {
    process.stderr.write(`${OPTIONS_VARIABLE} is not set: this program is started by the harness\n`);
    process.exit(2);
  }
  const options = JSON.parse(raw) as SimulatedDeviceOptions;
  const log = deviceLog(options.logFile);
  const upgrade = encryptedUpgradeFor(options.behaviour, { sourceAddress: options.sourceAddress, resolver: options.resolver, trustedCa: options.trustedCa, log });
  const stub = new StubResolver({ behaviour: options.behaviour, sourceAddress: options.sourceAddress, resolver: options.resolver, log, ...(upgrade ? { upgrade } : {}) });
  const application = new Application(options.behaviour, stub, log);
  log('start', { dutId: options.dutId, sourceAddress: options.sourceAddress, resolver: options.resolver, pid: process.pid });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    application.stop();
    log('stop', { signal });
    void stub.close().finally(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  application.start();
  process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
}

main();
