import { forgingPrimitive } from '../forge-address.ts';

/** `forgeA(canary)`: A queries get one A record pointing at the canary (paper Table III: forged IPv4). */
export default forgingPrimitive('forgeA', 'A', 4);
