/**
 * The packet capture of a run, one per DUT, each into its own run directory: started
 * before the first phase, stopped after the last, and every step recorded as evidence
 * (`capture.start`, `capture.stop`, or `capture.unavailable` with the reason).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { nowMicros } from '../evidence/clock.ts';
import { RUN_FILES } from '../evidence/run-directory.ts';
import type { RunDirectory } from '../evidence/run-directory.ts';
import type { Profile } from '../profile/profile-types.ts';
import { canonicalAddress } from '../resolver/access-list.ts';
import { startLiveCapture } from './live-capture.ts';
import { commentPhases } from './phase-comments.ts';
import type { LiveCapture } from './live-capture.ts';

/** One DUT to capture for. */
export interface CaptureTarget {
  profile: Profile;
  run: RunDirectory;
}

/** The captures of a run; `stop` ends them all and records how each ended. */
export interface RunCaptures {
  stop(): Promise<void>;
}

/** The interface a DUT is captured on: loopback for a simulated device, the profile's choice or `any` for a lab one. */
export function captureInterface(profile: Profile): string {
  return profile.device.kind === 'simulated'
    ? 'lo'
    : (profile.capture?.interface ?? profile.network?.dhcp.interface ?? 'any');
}

/**
 * The DUT's DHCPv4 packets, by its MAC in the BOOTP chaddr field (UDP payload octets 28–33):
 * a DISCOVER comes from 0.0.0.0 and replies may be broadcast, so no host filter sees them.
 */
export function dhcpFilter(profile: Profile): string[] {
  const mac = profile.network?.dhcp ? profile.dut.mac : undefined;
  if (!mac) return [];
  const hex = mac.toLowerCase().split(':').join('');
  return [`(udp port 67 or udp port 68) and udp[36:4] = 0x${hex.slice(0, 8)} and udp[40:2] = 0x${hex.slice(8)}`];
}

/** The DUT's addresses and its canaries: everything it sends that the run cares about. */
export function captureHosts(profile: Profile): string[] {
  // An IPv4-mapped canary travels as IPv4: the filter names it so.
  return [...new Set([...profile.dut.addresses, ...profile.canaries].map(canonicalAddress))];
}

/**
 * Starts a capture for every target. Where one cannot start, the run goes on: the reason
 * is recorded in that DUT's evidence and `progress` names the checks that lose their
 * evidence (`requiringCapture`), since they will be INCONCLUSIVE.
 */
export async function startRunCaptures(
  targets: readonly CaptureTarget[],
  progress: (line: string) => void,
  requiringCapture: readonly string[],
  tool?: string,
): Promise<RunCaptures> {
  const running: { target: CaptureTarget; capture: LiveCapture; iface: string }[] = [];
  for (const target of targets) {
    const { profile, run } = target;
    const iface = captureInterface(profile);
    const started = await startLiveCapture({
      file: join(run.path, RUN_FILES.capture),
      interface: iface,
      hosts: captureHosts(profile),
      alsoMatching: dhcpFilter(profile),
      ...(tool ? { tool } : {}),
    });
    const base = { t: nowMicros(), dut: profile.dut.id, interface: iface };
    if (started.ok) {
      const { capture } = started;
      run.log.record({
        ...base,
        type: 'capture.start',
        file: RUN_FILES.capture,
        filter: capture.filter,
        tool: capture.tool,
      });
      running.push({ target, capture, iface });
      progress(`${profile.dut.id}: capturing on ${iface} (${capture.filter}) into ${RUN_FILES.capture}`);
    } else {
      run.log.record({
        ...base,
        type: 'capture.unavailable',
        file: null,
        filter: started.filter,
        tool: started.tool,
        reason: started.reason,
      });
      const lost =
        requiringCapture.length > 0 ? `; INCONCLUSIVE for lack of packets: ${requiringCapture.join(', ')}` : '';
      progress(`${profile.dut.id}: no packet capture (${started.reason})${lost}`);
    }
  }
  return {
    async stop() {
      const ended = await Promise.all(running.map(({ capture }) => capture.stop()));
      for (const [i, { target, capture, iface }] of running.entries()) {
        const summary = ended[i]!;
        target.run.log.record({
          type: 'capture.stop',
          t: nowMicros(),
          dut: target.profile.dut.id,
          file: RUN_FILES.capture,
          interface: iface,
          filter: capture.filter,
          tool: capture.tool,
          packets: summary.packets,
          dropped: summary.dropped,
          reason: summary.problem,
        });
        if (summary.problem) progress(`${target.profile.dut.id}: ${summary.problem}`);
      }
      // The phases are over: mark their boundaries in each capture, side by side, before the run is sealed.
      await Promise.all(
        running.map(async ({ target }) => {
          const file = join(target.run.path, RUN_FILES.capture);
          if (!existsSync(file)) return;
          const commented = await commentPhases(file, join(target.run.path, RUN_FILES.events));
          if ('problem' in commented) progress(`${target.profile.dut.id}: ${commented.problem}`);
        }),
      );
    },
  };
}
