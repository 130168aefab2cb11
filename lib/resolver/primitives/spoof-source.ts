import { spoofPrimitive } from '../spoof-primitive.ts';

/** `spoofSource(canary, from)`: before the genuine answer, one from another (harness-owned) address on the resolver's port (RFC 5452 §9.1; Rec #7). */
export default spoofPrimitive(
  'spoofSource',
  'source',
  "before the genuine answer, send one from another harness address on the resolver's port, pointing at the canary",
);
