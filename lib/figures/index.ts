/**
 * Figures for people: per-DUT SVG charts of source ports, transaction IDs, the query
 * timeline and re-query interval against TTL, for the report. Imports only the evidence
 * and analysis layers (nothing of cli/, experiments/ or report/), so any of those can
 * call it.
 */
export { FIGURES_DIR, renderFigures, writeFigures } from './write-figures.ts';
export type { FigureFile, FigureOptions } from './write-figures.ts';
export type { FigureId, RenderedFigure } from './figure-types.ts';
export { sourcePortFigure } from './source-ports.ts';
export { txidFigure } from './txids.ts';
export { queryTimelineFigure } from './query-timeline.ts';
export { requeryVsTtlFigure, DEFAULT_TTL_EXPERIMENTS, DEFAULT_TTL_OPTIONS } from './requery-vs-ttl.ts';
