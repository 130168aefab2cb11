import { spoofPrimitive } from '../spoof-primitive.ts';

/** `spoofTxid(canary)`: before the genuine answer, one with another transaction ID pointing at the canary (RFC 5452 §9.1; Rec #4). */
export default spoofPrimitive(
  'spoofTxid',
  'txid',
  'before the genuine answer, send one with a wrong transaction ID pointing at the canary',
);
