import { spoofPrimitive } from '../spoof-primitive.ts';

/** `spoofQuestion(canary)`: before the genuine answer, one whose question section names another name (RFC 5452 §9.1; Rec #7). */
export default spoofPrimitive(
  'spoofQuestion',
  'question',
  'before the genuine answer, send one whose question does not match the query, pointing at the canary',
);
