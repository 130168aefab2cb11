/** Histogram of the transaction IDs of a DUT's UDP queries (paper Recommendation #4, RFC 5452 §9.1). */
import { TXID_SPACE } from '../analysis/passive-metrics.ts';
import type { Evidence } from '../evidence/evidence.ts';
import { FIELD_SIZE, fieldHistogram } from './field-histogram.ts';
import type { FieldDescription } from './field-histogram.ts';
import type { RenderedFigure } from './figure-types.ts';

/** The whole 16-bit ID field is the space a conforming stub draws from. */
export const TXID_FIELD: FieldDescription = {
  noun: 'transaction ID',
  plural: 'transaction IDs',
  title: 'Transaction IDs of UDP DNS queries',
  axisTitle: 'Transaction ID',
  valueOf: (query) => query.txid,
  describe: (id) => `ID ${id} (0x${id.toString(16).padStart(4, '0')})`,
  space: TXID_SPACE,
  uniformFrom: 0,
  uniformTo: FIELD_SIZE,
};

/** The TXID histogram of one DUT (whole evidence, or one phase). */
export async function txidFigure(evidence: Evidence, dutId: string, phase?: string): Promise<RenderedFigure> {
  const { data, svg } = await fieldHistogram(evidence, dutId, TXID_FIELD, phase);
  return { id: 'txids', title: data.heading.title, caption: data.caption, svg };
}
