import { spoofPrimitive } from '../spoof-primitive.ts';

/** `spoofPort(canary)`: before the genuine answer, one from another source port of the resolver's address (RFC 5452 §9.1; Rec #3). */
export default spoofPrimitive(
  'spoofPort',
  'port',
  "before the genuine answer, send one from a port other than the resolver's, pointing at the canary",
);
