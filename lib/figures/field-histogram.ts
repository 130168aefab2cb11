/**
 * Histogram of a 16-bit field of the DUT's UDP queries (source port or transaction ID)
 * over the whole 0–65535 range, the picture behind the randomness checks (paper
 * Recommendations #3 and #4): a randomising stub fills the range evenly, a fixed port is
 * one bar, a counter a few bars at the low end. A dashed line gives the count per bin the
 * same queries would give if spread uniformly over the range a conforming stub draws from.
 * The caption's figures are the `randomnessStats` of the same sample the checks judge.
 */
import type { TopLevelSpec } from 'vega-lite';
import { randomnessStats } from '../analysis/randomness.ts';
import type { RandomnessStats } from '../analysis/randomness.ts';
import type { Evidence } from '../evidence/evidence.ts';
import type { QueryEvent } from '../evidence/events.ts';
import type { FigureHeading } from './render.ts';
import { figureFrame, noDataSpec, percentText, renderSvg } from './render.ts';
import { dutQueries, dutUdpQueries, phaseSuffix } from './selection.ts';

/** Values of a 16-bit field. */
export const FIELD_SIZE = 65536;
/** Values per bar: 64 bars over the field, each about 9 px wide at A4 width. */
export const FIELD_BIN_WIDTH = 1024;
// Ticks every 8192 values; the last at 65535, the largest value of the field.
const AXIS_VALUES = [...Array.from({ length: 8 }, (_, i) => i * 8192), FIELD_SIZE - 1];
const PLOT_HEIGHT = 230;

/** One non-empty bar: values start ≤ v < end. */
export interface FieldBin {
  start: number;
  end: number;
  count: number;
}

/** The queries per bin of `binWidth` values, for the bins that hold any, ascending. */
export function fieldBins(values: readonly number[], binWidth = FIELD_BIN_WIDTH): FieldBin[] {
  const counts = new Map<number, number>();
  for (const value of values) {
    const bin = Math.floor(value / binWidth);
    counts.set(bin, (counts.get(bin) ?? 0) + 1);
  }
  return [...counts]
    .sort(([a], [b]) => a - b)
    .map(([bin, count]) => ({ start: bin * binWidth, end: (bin + 1) * binWidth, count }));
}

/** What differs between the source-port and the TXID histogram. */
export interface FieldDescription {
  /** Singular and plural as the caption says them: `source port`, `source ports`. */
  noun: string;
  plural: string;
  /** Heading of the figure, before ` — <dut>`. */
  title: string;
  axisTitle: string;
  valueOf(query: QueryEvent): number;
  /** A value in words: `port 4096`, `ID 0x0001`. */
  describe(value: number): string;
  /** How many values a conforming generator draws from (the randomness checks' `space`). */
  space: number;
  /** The range (from inclusive, to exclusive) a uniform generator would fill, for the dashed line. */
  uniformFrom: number;
  uniformTo: number;
}

/** A figure's data as computed, before rendering. */
export interface FieldHistogramData {
  heading: FigureHeading;
  caption: string;
  stats: RandomnessStats;
  bins: FieldBin[];
  /** Queries per bin if the sample were spread uniformly over [uniformFrom, uniformTo). */
  uniformPerBin: number;
  /** Why there is nothing to plot, or null. */
  noData: string | null;
}

function plural(count: number, singular: string, many = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : many}`;
}

/** The histogram data of one DUT's UDP queries (whole evidence, or one phase). */
export function fieldHistogramData(
  evidence: Evidence,
  dutId: string,
  field: FieldDescription,
  phase?: string,
): FieldHistogramData {
  const queries = dutUdpQueries(evidence, dutId, phase);
  const values = queries.map((q) => field.valueOf(q));
  const stats = randomnessStats(values, { space: field.space });
  const where = phaseSuffix(phase);
  const heading: FigureHeading = { title: `${field.title} — ${dutId}`, subtitle: [] };
  if (stats.n === 0) {
    const all = dutQueries(evidence, dutId, phase).length;
    const noData =
      all === 0
        ? `No queries to plot: the evidence holds no query from ${dutId}${where}.`
        : `No UDP queries to plot: the ${plural(all, 'query', 'queries')} from ${dutId}${where} went over TCP or encrypted DNS, whose ports are the connection's.`;
    return { heading, caption: noData, stats, bins: [], uniformPerBin: 0, noData };
  }
  // A favourite value is worth naming only when it repeats.
  const top =
    stats.top === null || stats.topCount < 2
      ? ''
      : `, most used ${field.describe(stats.top)} on ${percentText(stats.topShare)}`;
  const caption =
    `${plural(stats.n, 'UDP query', 'UDP queries')}${where}, σ ${stats.stdev.toFixed(1)} (${stats.class}), ` +
    `${plural(stats.distinct, `distinct ${field.noun}`, `distinct ${field.plural}`)}${top}, ${percentText(stats.sequentialShare)} sequential steps`;
  const uniformPerBin = (stats.n * FIELD_BIN_WIDTH) / (field.uniformTo - field.uniformFrom);
  heading.subtitle = [
    caption,
    `Bars: queries per ${FIELD_BIN_WIDTH} values. Dashed: the count per bar if the same queries were spread evenly over ${field.uniformFrom}–${field.uniformTo - 1}.`,
  ];
  return { heading, caption, stats, bins: fieldBins(values), uniformPerBin, noData: null };
}

/** The Vega-Lite spec of a histogram (or of its no-data notice). */
export function fieldHistogramSpec(data: FieldHistogramData, field: FieldDescription): TopLevelSpec {
  if (data.noData !== null) return noDataSpec(data.heading, data.noData);
  const x = {
    field: 'start',
    type: 'quantitative' as const,
    title: field.axisTitle,
    scale: { domain: [0, FIELD_SIZE], nice: false, zero: false },
    axis: { values: AXIS_VALUES, format: 'd', labelFlush: true, grid: false },
  };
  const y = {
    field: 'count',
    type: 'quantitative' as const,
    title: 'UDP queries per bar',
    axis: { tickMinStep: 1, format: 'd' },
  };
  return {
    ...figureFrame(data.heading, PLOT_HEIGHT, data.caption),
    layer: [
      {
        name: 'bars',
        data: {
          values: data.bins.map((bin) => ({
            ...bin,
            label: `${field.plural} ${bin.start}–${bin.end - 1}: ${bin.count} ${bin.count === 1 ? 'query' : 'queries'}`,
          })),
        },
        mark: { type: 'rect', color: '#4c78a8', stroke: '#2f4b6e', strokeWidth: 0.5 },
        encoding: { x, x2: { field: 'end' }, y, y2: { datum: 0 }, description: { field: 'label' } },
      },
      {
        name: 'uniform',
        data: { values: [{ start: field.uniformFrom, end: field.uniformTo, count: data.uniformPerBin }] },
        mark: { type: 'rule', color: '#c0392b', strokeDash: [6, 4], strokeWidth: 1.5 },
        encoding: { x, x2: { field: 'end' }, y },
      },
    ],
  };
}

/** Data and SVG of one field histogram. */
export async function fieldHistogram(
  evidence: Evidence,
  dutId: string,
  field: FieldDescription,
  phase?: string,
): Promise<{ data: FieldHistogramData; svg: string }> {
  const data = fieldHistogramData(evidence, dutId, field, phase);
  return { data, svg: await renderSvg(fieldHistogramSpec(data, field)) };
}
