/**
 * Turns a Vega-Lite chart description into SVG text, headless in Node: no browser, no DOM,
 * no native canvas. Every figure of a report goes through here, so this is where their
 * common look (A4 width, font sizes) and their determinism are settled.
 *
 * Why Vega-Lite + Vega: a maintained grammar of graphics whose `View#toSVG()` renders in
 * plain Node (the `renderer: 'none'` path needs neither a DOM nor node-canvas). Vega-Lite
 * 6.5 requires Node 22; 6.4.3 is the newest that supports Node 20, with Vega 6.4.0 as its
 * peer (both pinned exactly in package.json).
 *
 * Determinism (the SVGs are hashed into the signed manifest): the same spec must give the
 * same bytes on any machine, so
 * - text is measured by Vega's estimate from the font size, never by node-canvas, which
 *   may or may not be installed and measures with whatever fonts a machine has;
 * - Vega numbers clip paths and gradients from process-wide counters: they are reset
 *   before each render, and renders are queued one at a time so none interleave;
 * - times are given to Vega as plain numbers (seconds since the start of observation),
 *   never as dates, whose labels would follow the machine's time zone; number formats are
 *   Vega's own (en-US), not the machine's locale.
 * Coordinates come from floating-point maths (Math.log10, Math.pow) whose last digit V8
 * does not promise across its versions: byte identity holds for one Node version and the
 * pinned Vega, which is what a run and its manifest need; a regulator re-rendering on
 * another Node may see coordinates differ in a last digit.
 */
import * as vega from 'vega';
import { compile } from 'vega-lite';
import type { Config, TopLevelSpec } from 'vega-lite';

/** Width of every figure: 170 mm (an A4 text column) at the CSS 96 px per inch. */
export const FIGURE_WIDTH_PX = 640;

/** The figures' common look: sizes chosen to stay legible when the SVG is printed 170 mm wide. */
export const FIGURE_CONFIG: Config = {
  font: 'Helvetica, Arial, sans-serif',
  background: 'white',
  padding: 6,
  title: {
    fontSize: 15,
    fontWeight: 'bold',
    subtitleFontSize: 12,
    subtitleColor: '#333333',
    anchor: 'start',
    offset: 10,
    subtitlePadding: 4,
    limit: FIGURE_WIDTH_PX - 16,
  },
  axis: {
    titleFontSize: 13,
    titleFontWeight: 'normal',
    labelFontSize: 12,
    titlePadding: 8,
    gridColor: '#e4e4e4',
    domainColor: '#555555',
    tickColor: '#555555',
  },
  legend: {
    titleFontSize: 12,
    titleFontWeight: 'normal',
    labelFontSize: 12,
    symbolSize: 80,
    labelLimit: 320,
    titleLimit: 320,
  },
  view: { stroke: '#999999' },
};

/**
 * Characters of a subtitle line. Vega estimates a text as 0.8 em per character (pessimistic:
 * real sans-serif text is about 0.55 em), and a line wider than that estimate of the figure
 * would shrink the plot to make room, so lines are wrapped to fit the estimate.
 */
export const SUBTITLE_LINE_CHARS = Math.floor((FIGURE_WIDTH_PX - 16) / (0.8 * 12));

/** Words of `text` in lines of at most `width` characters (a longer word stands alone). */
export function wrapText(text: string, width = SUBTITLE_LINE_CHARS): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** A figure's heading: the title, and the lines printed under it. */
export interface FigureHeading {
  title: string;
  /** Paragraphs under the title; each is wrapped to the figure's width. */
  subtitle: string[];
}

/** Vega's text measurement switch; it is exported at run time but missing from the typings. */
interface TextMetrics {
  canvas(use: boolean): void;
}

function estimateTextWidths(): void {
  const metrics = (vega as unknown as { textMetrics?: TextMetrics }).textMetrics;
  if (typeof metrics?.canvas !== 'function')
    throw new Error('vega.textMetrics.canvas is missing: cannot make text widths independent of the fonts installed');
  metrics.canvas(false);
}

let queue: Promise<unknown> = Promise.resolve();

/** Renders one Vega-Lite spec to SVG text, with {@link FIGURE_CONFIG} applied. Same spec, same bytes. */
export function renderSvg(spec: TopLevelSpec): Promise<string> {
  const job = queue.then(() => renderNow(spec));
  queue = job.catch(() => undefined);
  return job;
}

async function renderNow(spec: TopLevelSpec): Promise<string> {
  estimateTextWidths();
  const { spec: compiled } = compile(spec, { config: FIGURE_CONFIG });
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logLevel: vega.Error });
  try {
    await view.runAsync();
    vega.resetSVGDefIds();
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The common top of every figure spec: A4 width, heading, and a description for screen readers. */
export function figureFrame(heading: FigureHeading, height: number, description: string) {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: FIGURE_WIDTH_PX,
    height,
    autosize: { type: 'fit-x', contains: 'padding' },
    title:
      heading.subtitle.length === 0
        ? { text: heading.title }
        : { text: heading.title, subtitle: heading.subtitle.flatMap((paragraph) => wrapText(paragraph)) },
    description,
  } as const;
}

/**
 * The figure to show when there is nothing to plot: the title, and a sentence saying why
 * in the middle of an empty frame. A report never shows a blank or a missing figure.
 */
export function noDataSpec(heading: FigureHeading, message: string): TopLevelSpec {
  // Wrapped to Vega's 0.8 em estimate of 14 px text, with a margin: wider text would shrink the frame.
  const lines = wrapText(message, Math.floor((FIGURE_WIDTH_PX - 60) / (0.8 * 14)));
  return {
    ...figureFrame({ title: heading.title, subtitle: [] }, 140, message),
    data: { values: [{ message: lines.join('\n') }] },
    mark: {
      type: 'text',
      fontSize: 14,
      lineHeight: 20,
      lineBreak: '\n',
      color: '#333333',
      align: 'center',
      baseline: 'middle',
    },
    encoding: {
      text: { field: 'message', type: 'nominal' },
      x: { value: { expr: 'width / 2' } },
      y: { value: { expr: 'height / 2' } },
    },
  };
}

/** A share 0–1 as a percentage: no decimal from 10%, one below, `<0.1%` for a share that small but not nil. */
export function percentText(share: number): string {
  const value = share * 100;
  if (value === 0 || value >= 10) return `${value.toFixed(0)}%`;
  return value < 0.05 ? '<0.1%' : `${value.toFixed(1)}%`;
}
