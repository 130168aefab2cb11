/**
 * Re-query interval against TTL (paper Recommendation #5): for every answer the TTL check
 * judges, the TTL it granted (x) against the time until the DUT asked for the same name
 * and type again (y), both on log scales. On the solid line y = x the DUT asked again
 * exactly when the TTL ran out; below the dashed line (TTL less the grace) it asked too
 * early. Answers not asked about again before the evidence ended are counted in the
 * caption but not drawn: the silence after them is only a lower bound, and would land
 * below the line whenever the observation was shorter than the TTL.
 *
 * The points are `ttlCompliance(...).followUps` with the check's own thresholds and
 * experiments, so the picture and the caption show exactly what the verdict counted.
 * Points of the same kind and TTL within 1/{@link LOG_BINS_PER_DECADE} of a decade of each
 * other are drawn as one, sized by how many answers it stands for.
 */
import type { TopLevelSpec } from 'vega-lite';
import { DEFAULT_TTL_COMPLIANCE, ttlCompliance } from '../analysis/ttl-compliance.ts';
import type { AnswerFollowUp, TtlComplianceOptions } from '../analysis/ttl-compliance.ts';
import type { Evidence } from '../evidence/evidence.ts';
import type { RenderedFigure } from './figure-types.ts';
import type { FigureHeading } from './render.ts';
import { figureFrame, noDataSpec, percentText, renderSvg } from './render.ts';

/** The thresholds of `suites/caching/ttl-honoured.check.ts` (a spec keeps them equal). */
export const DEFAULT_TTL_OPTIONS: TtlComplianceOptions = DEFAULT_TTL_COMPLIANCE;
/** The experiments whose evidence that check judges. */
export const DEFAULT_TTL_EXPERIMENTS: readonly string[] = ['baseline'];
/** Resolution of the merge of nearby points, per decade of the interval. */
export const LOG_BINS_PER_DECADE = 40;
/** Intervals below this many seconds are drawn at it (a log axis has no zero). */
const FLOOR_SECONDS = 0.01;
const PLOT_HEIGHT = 340;

/** How a re-query stood against the TTL it followed. */
export type RequeryKind = 'premature' | 'on time';
const KINDS: readonly RequeryKind[] = ['premature', 'on time'];
const KIND_LABELS: Record<RequeryKind, string> = {
  premature: 'premature (below the dashed line)',
  'on time': 'on time',
};
const KIND_COLOURS = ['#c0392b', '#4c78a8'];
const KIND_SHAPES = ['diamond', 'circle'];

/** One drawn point: the first of the answers it stands for. */
export interface RequeryPoint {
  ttl: number;
  seconds: number;
  kind: RequeryKind;
  /** The re-queries it stands for. */
  requeries: number;
}

export interface RequeryVsTtlData {
  heading: FigureHeading;
  caption: string;
  points: RequeryPoint[];
  /** Shared log domain of both axes, seconds. */
  domain: [number, number];
  /** The dashed line TTL − max(grace, fraction × TTL), sampled over the domain. */
  graceLine: { ttl: number; seconds: number }[];
  /** Re-queries by kind, and judgeable answers not asked about again before the evidence ended. */
  counts: Record<RequeryKind | 'not re-queried', number>;
  noData: string | null;
}

export interface RequeryVsTtlOptions {
  ttl?: TtlComplianceOptions;
  /** Experiments whose phases are used; `['*']` for the whole evidence. */
  experiments?: readonly string[];
}

function logDomain(values: readonly number[]): [number, number] {
  const lo =
    10 **
    Math.floor(
      Math.log10(
        Math.max(
          FLOOR_SECONDS,
          values.reduce((a, b) => Math.min(a, b)),
        ),
      ),
    );
  const hi =
    10 **
    Math.ceil(
      Math.log10(
        Math.max(
          FLOOR_SECONDS,
          values.reduce((a, b) => Math.max(a, b)),
        ),
      ),
    );
  return [lo, hi > lo ? hi : lo * 10];
}

function graceLine(domain: [number, number], options: TtlComplianceOptions): { ttl: number; seconds: number }[] {
  const [lo, hi] = domain;
  const steps = 120;
  const line: { ttl: number; seconds: number }[] = [];
  for (let i = 0; i <= steps; i += 1) {
    const ttl = lo * (hi / lo) ** (i / steps);
    const seconds = ttl - Math.max(options.graceSeconds, options.graceFraction * ttl);
    if (seconds >= lo) line.push({ ttl, seconds });
  }
  return line;
}

/** The re-query figure data of one DUT. */
export function requeryVsTtlData(
  evidence: Evidence,
  dutId: string,
  options: RequeryVsTtlOptions = {},
): RequeryVsTtlData {
  const ttl = options.ttl ?? DEFAULT_TTL_OPTIONS;
  const experiments = options.experiments ?? DEFAULT_TTL_EXPERIMENTS;
  const scoped = evidence.forExperiments(experiments);
  // By type: a stored evidence answers without making a view of every event.
  const hasPhases = evidence.ofType('phase.start').length > 0;
  const where =
    experiments.includes('*') || !hasPhases
      ? ''
      : ` in the ${experiments.join(', ')} ${experiments.length === 1 ? 'experiment' : 'experiments'}`;
  const { followUps, totals } = ttlCompliance(scoped, dutId, ttl);
  const heading: FigureHeading = { title: `Re-query interval against TTL — ${dutId}`, subtitle: [] };
  const requeried = followUps.filter((f): f is AnswerFollowUp & { requerySeq: number } => f.requerySeq !== null);
  const counts = {
    premature: requeried.filter((f) => f.premature).length,
    'on time': requeried.filter((f) => !f.premature).length,
    'not re-queried': followUps.length - requeried.length,
  };
  const answersText = `${followUps.length} ${followUps.length === 1 ? 'answer' : 'answers'} with a TTL of at least ${ttl.minTtlSeconds} s`;
  if (requeried.length === 0) {
    const noData =
      scoped.queries(dutId).length === 0
        ? `No queries to plot: the evidence holds no query from ${dutId}${where}.`
        : followUps.length === 0
          ? `No re-queries to plot: no answer to ${dutId}${where} granted a TTL of at least ${ttl.minTtlSeconds} s (${totals.answers} positive answers in all).`
          : `No re-queries to plot: ${answersText} to ${dutId}${where}, none followed by a query for the same name and type before the evidence ended.`;
    return { heading, caption: noData, points: [], domain: [1, 10], graceLine: [], counts, noData };
  }

  const points = new Map<string, RequeryPoint>();
  for (const followUp of requeried) {
    const kind: RequeryKind = followUp.premature ? 'premature' : 'on time';
    const seconds = Math.max(FLOOR_SECONDS, followUp.seconds);
    const key = `${kind}\u0000${followUp.ttlSeconds}\u0000${Math.round(Math.log10(seconds) * LOG_BINS_PER_DECADE)}`;
    const point = points.get(key);
    if (point) point.requeries += 1;
    else points.set(key, { ttl: followUp.ttlSeconds, seconds, kind, requeries: 1 });
  }
  const domain = logDomain(requeried.flatMap((f) => [f.ttlSeconds, f.seconds]));
  const names = new Set(requeried.map((f) => `${f.name}/${f.type}`)).size;
  const caption =
    `${requeried.length} ${requeried.length === 1 ? 're-query' : 're-queries'} for ${names} (name, type) ${names === 1 ? 'pair' : 'pairs'}${where}, ` +
    `${counts.premature} premature; ${counts['not re-queried']} of ${answersText} not asked about again before the evidence ended (not drawn)`;
  heading.subtitle = [
    caption,
    `Solid line: asked again exactly when the TTL ran out (y = x). Dashed: the TTL less max(${ttl.graceSeconds} s, ${percentText(ttl.graceFraction)} of the TTL); points below it are premature.`,
  ];
  return {
    heading,
    caption,
    points: [...points.values()],
    domain,
    graceLine: graceLine(domain, ttl),
    counts,
    noData: null,
  };
}

/** The Vega-Lite spec of the scatter (or of its no-data notice). */
export function requeryVsTtlSpec(data: RequeryVsTtlData): TopLevelSpec {
  if (data.noData !== null) return noDataSpec(data.heading, data.noData);
  const scale = { type: 'log' as const, domain: data.domain, nice: false, clamp: true };
  const x = {
    field: 'ttl',
    type: 'quantitative' as const,
    title: 'TTL granted by the answer (s)',
    scale,
    axis: { format: '~g', grid: true },
  };
  const y = {
    field: 'seconds',
    type: 'quantitative' as const,
    title: 'Time until asked again (s)',
    scale,
    axis: { format: '~g', grid: true },
  };
  const manyPerPoint = data.points.some((p) => p.requeries > 1);
  const points = data.points.map((p) => ({ ...p, kind: KIND_LABELS[p.kind] }));
  return {
    ...figureFrame(data.heading, PLOT_HEIGHT, data.caption),
    layer: [
      {
        name: 'ttl_expiry',
        data: { values: data.domain.map((v) => ({ ttl: v, seconds: v })) },
        mark: { type: 'line', color: '#222222', strokeWidth: 1.5, clip: true },
        encoding: { x, y },
      },
      {
        name: 'grace',
        data: { values: data.graceLine },
        mark: { type: 'line', color: '#222222', strokeWidth: 1, strokeDash: [5, 4], clip: true },
        encoding: { x, y },
      },
      {
        name: 'points',
        data: { values: points },
        mark: { type: 'point', filled: true, opacity: 0.85, stroke: '#ffffff', strokeWidth: 0.5 },
        encoding: {
          x,
          y,
          color: {
            field: 'kind',
            type: 'nominal',
            title: 'Re-query',
            scale: { domain: KINDS.map((k) => KIND_LABELS[k]), range: KIND_COLOURS },
            legend: { orient: 'bottom', direction: 'vertical' },
          },
          shape: {
            field: 'kind',
            type: 'nominal',
            scale: { domain: KINDS.map((k) => KIND_LABELS[k]), range: KIND_SHAPES },
          },
          size: manyPerPoint
            ? {
                field: 'requeries',
                type: 'quantitative',
                title: 'Re-queries per point',
                scale: { range: [50, 500], zero: false },
                legend: { orient: 'bottom', direction: 'horizontal', format: 'd', tickCount: 3 },
              }
            : { value: 70 },
        },
      },
    ],
  };
}

/** The re-query interval against TTL figure of one DUT. */
export async function requeryVsTtlFigure(
  evidence: Evidence,
  dutId: string,
  options: RequeryVsTtlOptions = {},
): Promise<RenderedFigure> {
  const data = requeryVsTtlData(evidence, dutId, options);
  return {
    id: 'requery-vs-ttl',
    title: data.heading.title,
    caption: data.caption,
    svg: await renderSvg(requeryVsTtlSpec(data)),
  };
}
