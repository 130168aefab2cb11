/**
 * When the DUT asked for what: one row per query name, one tick per query at the time the
 * resolver received it, coloured by what the resolver did (answered, answered with an
 * error code, or did not answer: dropped by the scenario or no response recorded), over
 * the phases of the run shaded behind. Polling shows as evenly spaced ticks, a cache as
 * gaps of one TTL, a retry storm as a solid black bar.
 *
 * Each reply kind that occurs has its own lane within a row, so a rare failure is neither
 * hidden under the answers nor painted over them. The time axis is cut into
 * {@link TIMELINE_BINS} slots (about 1.4 px each at A4 width): a lane's queries in one slot
 * are one mark, and marks of back-to-back slots join into one bar. Nothing visible is
 * lost, and a day of polling stays a figure of a few thousand marks rather than a 10 MB
 * SVG; the caption counts every query.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { Evidence, Exchange } from '../evidence/evidence.ts';
import type { RenderedFigure } from './figure-types.ts';
import type { FigureHeading } from './render.ts';
import { figureFrame, noDataSpec, renderSvg } from './render.ts';
import { phaseSuffix } from './selection.ts';
import { normaliseName } from '../dns/names.ts';

/** Rows shown before the remaining names are pooled into one. */
export const DEFAULT_TIMELINE_NAMES = 20;
/** Slots of the time axis. */
export const TIMELINE_BINS = 400;
/** Longest row label, in characters; a longer name keeps its end (the registered domain). */
const LABEL_CHARS = 24;
/** Height of a row without lanes, and what each lane adds, px. */
const ROW_HEIGHT = 14;
const LANE_HEIGHT = 6;

/** What the resolver did about a query. */
export type QueryOutcome = 'answered' | 'error rcode' | 'no answer';
/** Lanes of a row, top to bottom. */
const OUTCOMES: readonly QueryOutcome[] = ['answered', 'error rcode', 'no answer'];
const OUTCOME_COLOURS = ['#4c78a8', '#f58518', '#111111'];

/** One mark: a row's queries with the same reply kind, in back-to-back slots of the time axis. */
export interface TimelineSegment {
  row: string;
  /** Start of the first slot and end of the last, since the origin, in the figure's unit. */
  from: number;
  to: number;
  outcome: QueryOutcome;
  /** Queries it stands for. */
  queries: number;
}

/** A phase's band, in the figure's unit. */
export interface TimelinePhase {
  name: string;
  from: number;
  to: number;
  /** The name as printed (shortened to the band's width; empty when the band is too narrow). */
  label: string;
  shade: boolean;
}

export interface QueryTimelineData {
  heading: FigureHeading;
  caption: string;
  /** Unit of the time axis. */
  unit: { name: 's' | 'min' | 'h'; seconds: number };
  /** The time axis, [0, end] in the unit. */
  end: number;
  /** Row labels, top to bottom. */
  rows: string[];
  segments: TimelineSegment[];
  phases: TimelinePhase[];
  /** Queries per outcome. */
  outcomes: Record<QueryOutcome, number>;
  noData: string | null;
}

export interface QueryTimelineOptions {
  phase?: string;
  /** Rows before the rest are pooled (default {@link DEFAULT_TIMELINE_NAMES}). */
  names?: number;
}

function outcomeOf(exchange: Exchange): QueryOutcome {
  if (exchange.response === undefined) return 'no answer';
  return exchange.response.flags.rcode === 'NOERROR' ? 'answered' : 'error rcode';
}

function nameOf(exchange: Exchange): string {
  const question = exchange.query.questions[0];
  return question === undefined ? '(no question)' : normaliseName(question.name) || '.';
}

/** Short, unique row labels: long names keep their end. */
function rowLabels(names: readonly string[]): Map<string, string> {
  const labels = new Map<string, string>();
  const used = new Set<string>();
  for (const name of names) {
    const short = name.length <= LABEL_CHARS ? name : `…${name.slice(name.length - LABEL_CHARS + 1)}`;
    let label = short;
    for (let i = 2; used.has(label); i += 1) label = `${short} (${i})`;
    used.add(label);
    labels.set(name, label);
  }
  return labels;
}

function unitFor(seconds: number): QueryTimelineData['unit'] {
  if (seconds <= 600) return { name: 's', seconds: 1 };
  if (seconds <= 600 * 60) return { name: 'min', seconds: 60 };
  return { name: 'h', seconds: 3600 };
}

/** The timeline data of one DUT's queries (all transports; whole evidence, or one phase). */
export function queryTimelineData(
  evidence: Evidence,
  dutId: string,
  options: QueryTimelineOptions = {},
): QueryTimelineData {
  const where = phaseSuffix(options.phase);
  const exchanges = evidence
    .exchanges(dutId)
    .filter((e) => options.phase === undefined || e.query.phase === options.phase);
  const window =
    (options.phase === undefined ? undefined : evidence.phases().find((p) => p.name === options.phase)) ??
    evidence.span();
  const origin = Math.min(window.start, exchanges[0]?.query.t ?? window.start);
  const endMicros = Math.max(window.end, exchanges.at(-1)?.query.t ?? window.end);
  const spanSeconds = (endMicros - origin) / 1e6;
  // A single instant still gets an axis of one second.
  const axisSeconds = Math.max(spanSeconds, 1);
  const unit = unitFor(axisSeconds);
  const end = axisSeconds / unit.seconds;
  const heading: FigureHeading = { title: `DNS queries over time — ${dutId}`, subtitle: [] };
  const outcomes: Record<QueryOutcome, number> = { answered: 0, 'error rcode': 0, 'no answer': 0 };
  if (exchanges.length === 0) {
    const noData = `No queries to plot: the evidence holds no query from ${dutId}${where}.`;
    return { heading, caption: noData, unit, end, rows: [], segments: [], phases: [], outcomes, noData };
  }

  // Rows: the most asked names (ties by name), shown in the order they were first asked.
  const counts = new Map<string, number>();
  for (const e of exchanges) counts.set(nameOf(e), (counts.get(nameOf(e)) ?? 0) + 1);
  const limit = options.names ?? DEFAULT_TIMELINE_NAMES;
  const kept = new Set(
    [...counts]
      .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, limit)
      .map(([name]) => name),
  );
  const pooled = counts.size - kept.size;
  const otherRow = `${pooled} other ${pooled === 1 ? 'name' : 'names'}`;
  const firstSeen = [...new Set(exchanges.map(nameOf))].filter((name) => kept.has(name));
  const labels = rowLabels(firstSeen);
  const rows = [...firstSeen.map((name) => labels.get(name)!), ...(pooled > 0 ? [otherRow] : [])];

  const slotSeconds = axisSeconds / TIMELINE_BINS;
  // Queries per slot of each lane (row and reply kind).
  const lanes = new Map<string, Map<number, number>>();
  const laneKey = (row: string, outcome: QueryOutcome) => `${row}\u0000${outcome}`;
  for (const e of exchanges) {
    const outcome = outcomeOf(e);
    outcomes[outcome] += 1;
    const key = laneKey(labels.get(nameOf(e)) ?? otherRow, outcome);
    const slots = lanes.get(key) ?? new Map<number, number>();
    lanes.set(key, slots);
    const slot = Math.min(TIMELINE_BINS - 1, Math.floor((e.query.t - origin) / 1e6 / slotSeconds));
    slots.set(slot, (slots.get(slot) ?? 0) + 1);
  }
  const segments: TimelineSegment[] = [];
  const slotStart = (slot: number) => (slot * slotSeconds) / unit.seconds;
  for (const row of rows) {
    for (const outcome of OUTCOMES) {
      let open: { from: number; lastSlot: number; queries: number } | null = null;
      const close = () => {
        if (open !== null)
          segments.push({ row, from: open.from, to: slotStart(open.lastSlot + 1), outcome, queries: open.queries });
      };
      for (const [slot, queries] of [...(lanes.get(laneKey(row, outcome)) ?? [])].sort(([a], [b]) => a - b)) {
        if (open !== null && open.lastSlot === slot - 1) {
          open.lastSlot = slot;
          open.queries += queries;
        } else {
          close();
          open = { from: slotStart(slot), lastSlot: slot, queries };
        }
      }
      close();
    }
  }

  const phases = evidence
    .phases()
    .filter((p) => options.phase === undefined || p.name === options.phase)
    .map((p, i) => {
      const from = Math.max(0, (p.start - origin) / 1e6 / unit.seconds);
      const to = Math.min(end, (p.end - origin) / 1e6 / unit.seconds);
      // Room for the label: its share of a ~520 px plot, at Vega's 0.8 em estimate of 11 px text.
      const chars = end > 0 ? Math.floor((((to - from) / end) * 520) / 8.8) : 0;
      const label = p.name.length <= chars ? p.name : chars >= 4 ? `${p.name.slice(0, chars - 1)}…` : '';
      return { name: p.name, from, to, label, shade: i % 2 === 0 };
    });

  const perMinute = spanSeconds > 0 ? `, ${((exchanges.length / spanSeconds) * 60).toFixed(1)} per minute` : '';
  const names = counts.size === 1 ? '1 name' : `${counts.size} names`;
  const caption =
    `${exchanges.length} ${exchanges.length === 1 ? 'query' : 'queries'} for ${names}${where} over ${(spanSeconds / unit.seconds).toFixed(1)} ${unit.name}${perMinute}: ` +
    `${outcomes.answered} answered, ${outcomes['error rcode']} with an error code, ${outcomes['no answer']} not answered` +
    (pooled > 0 ? `; the ${kept.size} most asked names have a row each, the other ${pooled} share the last` : '');
  heading.subtitle = [
    caption,
    `One row per query name, with a lane per kind of reply; a mark where the resolver received queries (${TIMELINE_BINS} slots across, back-to-back slots join into a bar). Shaded bands: the phases of the run.`,
  ];
  return { heading, caption, unit, end, rows, segments, phases, outcomes, noData: null };
}

/** The Vega-Lite spec of a timeline (or of its no-data notice). */
export function queryTimelineSpec(data: QueryTimelineData, phase?: string): TopLevelSpec {
  if (data.noData !== null) return noDataSpec(data.heading, data.noData);
  const lanes = OUTCOMES.filter((outcome) => data.outcomes[outcome] > 0);
  const x = {
    type: 'quantitative' as const,
    title: `Time since the start of ${phase === undefined ? 'observation' : `phase ${phase}`} (${data.unit.name})`,
    scale: { domain: [0, data.end], nice: false, zero: true },
    axis: { grid: true, labelFlush: true },
  };
  return {
    ...figureFrame(
      data.heading,
      Math.max(60, data.rows.length * (ROW_HEIGHT + LANE_HEIGHT * lanes.length)),
      data.caption,
    ),
    layer: [
      {
        name: 'phases',
        data: { values: data.phases },
        mark: { type: 'rect', color: '#e8e8e8' },
        encoding: {
          x: { ...x, field: 'from' },
          x2: { field: 'to' },
          opacity: { condition: { test: 'datum.shade', value: 1 }, value: 0.45 },
        },
      },
      {
        name: 'phase_labels',
        data: { values: data.phases.filter((p) => p.label !== '') },
        mark: { type: 'text', align: 'left', baseline: 'bottom', dx: 3, dy: -3, fontSize: 11, color: '#444444' },
        encoding: { x: { ...x, field: 'from' }, y: { value: 0 }, text: { field: 'label', type: 'nominal' } },
      },
      {
        name: 'queries',
        data: { values: data.segments },
        // No per-mark screen-reader label: thousands of them would triple the file; the caption says it.
        mark: { type: 'bar', aria: false, opacity: 1 },
        encoding: {
          x: { ...x, field: 'from' },
          x2: { field: 'to' },
          y: {
            field: 'row',
            type: 'nominal',
            title: null,
            sort: data.rows,
            scale: { paddingInner: 0.3, paddingOuter: 0.15 },
            axis: { labelFontSize: 11, labelLimit: 400, grid: false },
          },
          yOffset: { field: 'outcome', type: 'nominal', sort: lanes, scale: { domain: lanes, paddingInner: 0.15 } },
          color: {
            field: 'outcome',
            type: 'nominal',
            title: "Resolver's reply",
            scale: { domain: [...OUTCOMES], range: OUTCOME_COLOURS },
            legend: { orient: 'bottom', direction: 'horizontal' },
          },
        },
      },
    ],
  };
}

/** The query timeline of one DUT. */
export async function queryTimelineFigure(
  evidence: Evidence,
  dutId: string,
  options: QueryTimelineOptions = {},
): Promise<RenderedFigure> {
  const data = queryTimelineData(evidence, dutId, options);
  const svg = await renderSvg(queryTimelineSpec(data, options.phase));
  return { id: 'query-timeline', title: data.heading.title, caption: data.caption, svg };
}
