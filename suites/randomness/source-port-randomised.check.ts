/**
 * Paper Recommendation #3 (draft IOTDNS-D-RND-1): the DUT sends each UDP query from an
 * unpredictable source port, so an off-path attacker must guess it (RFC 5452 §9.2). A port
 * is drawn per socket, and a stub's socket serves one lookup (A and AAAA together, as
 * glibc's does): the sample is one port per lookup.
 */
import { defineRandomnessCheck } from './randomness-rule.ts';

export default defineRandomnessCheck({
  title: 'UDP source ports of DNS queries are randomised',
  recommendation: '3',
  rfcRequirement:
    'RFC 5452 §9.2: use an unpredictable source port for each query, from as large a range as practicable.',
  draftClause: 'IOTDNS-D-RND-1',
  field: {
    plural: 'source ports',
    describe: (port) => `port ${port}`,
    valueOf: (query) => query.client.port,
    spaceRationale:
      'the IANA dynamic port range 49152–65535 of RFC 6335, the narrowest range a conforming stub may draw from',
    drawnPer: 'lookup',
  },
  uniformSpace: 16384,
  // glibc sends AAAA within microseconds of A (measured: suites/randomness/real-traffic); a
  // second is far beyond that and far below a stub's next lookup of the same name after a TTL.
  lookupWindowSeconds: 1,
  tableI: 'randomSourcePort',
});
