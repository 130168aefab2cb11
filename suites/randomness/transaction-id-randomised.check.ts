/**
 * Paper Recommendation #4 (draft IOTDNS-D-RND-2): the DUT gives each UDP query an
 * unpredictable 16-bit transaction ID over the full range (RFC 5452 §9.1).
 */
import { defineRandomnessCheck } from './randomness-rule.ts';

export default defineRandomnessCheck({
  title: 'DNS transaction IDs are randomised over the 16-bit space',
  recommendation: '4',
  rfcRequirement: 'RFC 5452 §9.1: use an unpredictable transaction ID drawn from the full 0–65535 range.',
  draftClause: 'IOTDNS-D-RND-2',
  field: {
    plural: 'transaction IDs',
    describe: (id) => `ID ${id} (0x${id.toString(16).padStart(4, '0')})`,
    valueOf: (query) => query.txid,
    spaceRationale: 'the full 16-bit ID field, RFC 5452 §9.1',
    drawnPer: 'query',
  },
  uniformSpace: 65536,
  tableI: 'randomTxid',
});
