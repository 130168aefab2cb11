/**
 * The ports the canary sink listens on: those IoT devices commonly connect to once they
 * have resolved a name, plus any the profile names for its device.
 */

/** Ports by transport. */
export interface CanaryPorts {
  tcp: number[];
  udp: number[];
}

/**
 * Where a device that accepted a forged record most likely connects: web and APIs (80, 443,
 * 8080, 8443), MQTT (1883, 8883), CoAP (5683, 5684), NTP (123), QUIC (443/udp), STUN
 * (3478), RTSP cameras (554), XMPP (5222), remote shells (22, 23). Any other port is seen by
 * the live capture (see `capture-contacts.ts`), not by a listener.
 */
export const DEFAULT_CANARY_PORTS: Readonly<CanaryPorts> = Object.freeze({
  tcp: [22, 23, 80, 443, 554, 1883, 5222, 8080, 8443, 8883],
  udp: [123, 443, 3478, 5683, 5684],
});

/** The defaults with the profile's own ports added, each once, in order. */
export function withProfilePorts(extra: Partial<CanaryPorts> | undefined): CanaryPorts {
  const merge = (base: readonly number[], more: readonly number[] | undefined) =>
    [...new Set([...base, ...(more ?? [])])].sort((a, b) => a - b);
  return { tcp: merge(DEFAULT_CANARY_PORTS.tcp, extra?.tcp), udp: merge(DEFAULT_CANARY_PORTS.udp, extra?.udp) };
}
