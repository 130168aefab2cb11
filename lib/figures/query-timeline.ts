/**
 * When the DUT asked for what: one row per query name, one tick per query at the time the
 * resolver received it, coloured by what the resolver did (answered, answered with an
 * error code, or did not answer: dropped by the scenario or no response recorded), over
 * the phases of the run shaded behind. Polling shows as evenly spaced ticks, a cache as
 * gaps of one TTL, a retry storm as a dense run of black ticks.
 *
 * Queries closer together than 1/{@link TIMELINE_BINS} of the time axis in the same row and
 * with the same outcome are drawn as one tick (they would overlap anyway): a day of
 * polling stays a figure of a few thousand marks, not a 10 MB SVG.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { Evidence, Exchange } from '../evidence/evidence.ts';
import type { RenderedFigure } from './figure-types.ts';
import type { FigureHeading } from './render.ts';
import { figureFrame, fixed, noDataSpec, renderSvg } from './render.ts';
import { phaseSuffix } from './selection.ts';

/** Rows shown before the remaining names are pooled into one. */
export const DEFAULT_TIMELINE_NAMES = 20;
/** Resolution of the time axis: ticks closer than 1/400 of it merge (about 1.3 px at A4 width). */
export const TIMELINE_BINS = 400;
/** Longest row label, in characters; a longer name keeps its end (the registered domain). */
const LABEL_CHARS = 28;
const ROW_HEIGHT = 20;

/** What the resolver did about a query. */
export type QueryOutcome = 'answered' | 'error rcode' | 'no answer';
const OUTCOMES: readonly QueryOutcome[] = ['answered', 'error rcode', 'no answer'];
const OUTCOME_COLOURS = ['#4c78a8', '#f58518', '#111111'];

/** One tick: the first of the queries it stands for. */
export interface TimelineTick {
  row: string;
  /** Time since the origin, in the figure's unit. */
  time: number;
  outcome: QueryOutcome;
  /** Queries merged into this tick (1 unless they were closer than the axis resolution). */
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
  ticks: TimelineTick[];
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
  return question === undefined ? '(no question)' : question.name.toLowerCase().replace(/\.$/, '') || '.';
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
export function queryTimelineData(evidence: Evidence, dutId: string, options: QueryTimelineOptions = {}): QueryTimelineData {
  const where = phaseSuffix(options.phase);
  const exchanges = evidence.exchanges(dutId).filter((e) => options.phase === undefined || e.query.phase === options.phase);
  const window = (options.phase === undefined ? undefined : evidence.phases().find((p) => p.name === options.phase)) ?? evidence.span();
  const origin = Math.min(window.start, exchanges[0]?.query.t ?? window.start);
  const endMicros = Math.max(window.end, exchanges.at(-1)?.query.t ?? window.end);
  const spanSeconds = (endMicros - origin) / 1e6;
  const unit = unitFor(spanSeconds);
  const end = spanSeconds / unit.seconds;
  const heading: FigureHeading = { title: `DNS queries over time — ${dutId}`, subtitle: [] };
  const outcomes: Record<QueryOutcome, number> = { 'answered': 0, 'error rcode': 0, 'no answer': 0 };
  if (exchanges.length === 0) {
    const noData = `No queries to plot: the evidence holds no query from ${dutId}${where}.`;
    return { heading: { ...heading, subtitle: [noData] }, caption: noData, unit, end, rows: [], ticks: [], phases: [], outcomes, noData };
  }

  // Rows: the most asked names (ties by name), shown in the order they were first asked.
  const counts = new Map<string, number>();
  for (const e of exchanges) counts.set(nameOf(e), (counts.get(nameOf(e)) ?? 0) + 1);
  const limit = options.names ?? DEFAULT_TIMELINE_NAMES;
  const kept = new Set([...counts].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0)).slice(0, limit).map(([name]) => name));
  const pooled = counts.size - kept.size;
  const otherRow = `${pooled} other ${pooled === 1 ? 'name' : 'names'}`;
  const firstSeen = [...new Set(exchanges.map(nameOf))].filter((name) => kept.has(name));
  const labels = rowLabels(firstSeen);
  const rows = [...firstSeen.map((name) => labels.get(name)!), ...(pooled > 0 ? [otherRow] : [])];

  const resolution = spanSeconds > 0 ? spanSeconds / TIMELINE_BINS : 1;
  const ticks = new Map<string, TimelineTick>();
  for (const e of exchanges) {
    const outcome = outcomeOf(e);
    outcomes[outcome] += 1;
    const row = labels.get(nameOf(e)) ?? otherRow;
    const seconds = (e.query.t - origin) / 1e6;
    const key = `${row}\u0000${outcome}\u0000${Math.floor(seconds / resolution)}`;
    const tick = ticks.get(key);
    if (tick) tick.queries += 1;
    else ticks.set(key, { row, time: seconds / unit.seconds, outcome, queries: 1 });
  }

  const phases = evidence.phases()
    .filter((p) => options.phase === undefined || p.name === options.phase)
    .map((p, i) => {
      const from = Math.max(0, (p.start - origin) / 1e6 / unit.seconds);
      const to = Math.min(end, (p.end - origin) / 1e6 / unit.seconds);
      // Room for the label: its share of a ~520 px plot, at Vega's 0.8 em estimate of 11 px text.
      const chars = end > 0 ? Math.floor((((to - from) / end) * 520) / 8.8) : 0;
      const label = p.name.length <= chars ? p.name : chars >= 4 ? `${p.name.slice(0, chars - 1)}…` : '';
      return { name: p.name, from, to, label, shade: i % 2 === 0 };
    });

  const perMinute = spanSeconds > 0 ? `, ${fixed((exchanges.length / spanSeconds) * 60, 1)} per minute` : '';
  const names = counts.size === 1 ? '1 name' : `${counts.size} names`;
  const caption = `${exchanges.length} ${exchanges.length === 1 ? 'query' : 'queries'} for ${names}${where} over ${fixed(spanSeconds, 1)} s${perMinute}: `
    + `${outcomes.answered} answered, ${outcomes['error rcode']} with an error code, ${outcomes['no answer']} not answered`
    + (pooled > 0 ? `; the ${kept.size} most asked names have a row each, the other ${pooled} share the last` : '');
  heading.subtitle = [caption, 'One row per query name, one tick per query when the resolver received it; shaded bands are the phases of the run.'];
  return { heading, caption, unit, end, rows, ticks: [...ticks.values()], phases, outcomes, noData: null };
}

/** The Vega-Lite spec of a timeline (or of its no-data notice). */
export function queryTimelineSpec(data: QueryTimelineData, phase?: string): TopLevelSpec {
  if (data.noData !== null) return noDataSpec(data.heading, data.noData);
  const x = {
    type: 'quantitative' as const,
    title: `Time since the start of ${phase === undefined ? 'observation' : `phase ${phase}`} (${data.unit.name})`,
    scale: { domain: [0, data.end], nice: false, zero: true },
    axis: { grid: true, labelFlush: true },
  };
  return {
    ...figureFrame(data.heading, Math.max(60, data.rows.length * ROW_HEIGHT), data.caption),
    layer: [
      {
        name: 'phases',
        data: { values: data.phases },
        mark: { type: 'rect', color: '#e8e8e8' },
        encoding: { x: { ...x, field: 'from' }, x2: { field: 'to' }, opacity: { condition: { test: 'datum.shade', value: 1 }, value: 0.45 } },
      },
      {
        name: 'phase_labels',
        data: { values: data.phases.filter((p) => p.label !== '') },
        mark: { type: 'text', align: 'left', baseline: 'bottom', dx: 3, dy: -3, fontSize: 11, color: '#444444' },
        encoding: { x: { ...x, field: 'from' }, y: { value: 0 }, text: { field: 'label', type: 'nominal' } },
      },
      {
        name: 'ticks',
        data: { values: data.ticks },
        mark: { type: 'tick', orient: 'vertical', thickness: 1.5, opacity: 1 },
        encoding: {
          x: { ...x, field: 'time' },
          y: { field: 'row', type: 'nominal', title: null, sort: data.rows, axis: { labelFontSize: 11, labelLimit: 400, grid: false } },
          color: {
            field: 'outcome', type: 'nominal', title: "Resolver's reply",
            scale: { domain: [...OUTCOMES], range: OUTCOME_COLOURS },
            legend: { orient: 'bottom', direction: 'horizontal' },
          },
        },
      },
    ],
  };
}

/** The query timeline of one DUT. */
export async function queryTimelineFigure(evidence: Evidence, dutId: string, options: QueryTimelineOptions = {}): Promise<RenderedFigure> {
  const data = queryTimelineData(evidence, dutId, options);
  const svg = await renderSvg(queryTimelineSpec(data, options.phase));
  return { id: 'query-timeline', title: data.heading.title, caption: data.caption, svg };
}
