import { forgingPrimitive } from '../forge-address.ts';

/** `forgeAAAA(canary)`: AAAA queries get one AAAA record pointing at the canary (paper Table III: forged IPv6). */
export default forgingPrimitive('forgeAAAA', 'AAAA', 6);
