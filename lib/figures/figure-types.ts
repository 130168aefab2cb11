/** What every figure module gives back. */

/** The figures of a run, by id; the id is also the SVG's file name. */
export type FigureId = 'source-ports' | 'txids' | 'query-timeline' | 'requery-vs-ttl';

/** One rendered figure. */
export interface RenderedFigure {
  id: FigureId;
  /** The heading printed in the SVG. */
  title: string;
  /** One line for the report under the figure; its numbers come from the plotted data. */
  caption: string;
  /** The SVG document. */
  svg: string;
}
