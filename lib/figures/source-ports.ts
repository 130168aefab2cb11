/** Histogram of the UDP source ports of a DUT's queries (paper Recommendation #3, RFC 5452 §9.2). */
import { SOURCE_PORT_SPACE } from '../analysis/passive-metrics.ts';
import type { Evidence } from '../evidence/evidence.ts';
import { fieldHistogram } from './field-histogram.ts';
import type { FieldDescription } from './field-histogram.ts';
import type { RenderedFigure } from './figure-types.ts';

/** RFC 6056 §3.2: ephemeral ports should be drawn from 1024–65535; the dashed line spreads the queries over it. */
export const SOURCE_PORT_FIELD: FieldDescription = {
  noun: 'source port',
  plural: 'source ports',
  title: 'UDP source ports of DNS queries',
  axisTitle: 'UDP source port',
  valueOf: (query) => query.client.port,
  describe: (port) => `port ${port}`,
  space: SOURCE_PORT_SPACE,
  uniformFrom: 1024,
  uniformTo: 65536,
};

/** The source-port histogram of one DUT (whole evidence, or one phase). */
export async function sourcePortFigure(evidence: Evidence, dutId: string, phase?: string): Promise<RenderedFigure> {
  const { data, svg } = await fieldHistogram(evidence, dutId, SOURCE_PORT_FIELD, phase);
  return { id: 'source-ports', title: data.heading.title, caption: data.caption, svg };
}
