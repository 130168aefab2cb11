/**
 * The figures of one DUT's run, rendered together and written into the run directory as
 * `figures/<id>.svg`, for the report (and its manifest: same evidence, same bytes).
 *
 * Depends on the evidence and the analysis only, so the live session and `analyze` can
 * both call it once the evidence is complete, before the manifest is written.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TtlComplianceOptions } from '../analysis/ttl-compliance.ts';
import type { Evidence } from '../evidence/evidence.ts';
import type { FigureId, RenderedFigure } from './figure-types.ts';
import { queryTimelineFigure } from './query-timeline.ts';
import { requeryVsTtlFigure } from './requery-vs-ttl.ts';
import { sourcePortFigure } from './source-ports.ts';
import { txidFigure } from './txids.ts';

/** Folder of the run directory the figures go to. */
export const FIGURES_DIR = 'figures';

/** What the figures show; every field is optional. */
export interface FigureOptions {
  /**
   * Restrict the port, TXID and timeline figures to one phase. Default: the whole evidence,
   * as `passiveMetrics` and the randomness checks (experiments `*`) take it.
   */
  phase?: string;
  /** TTL thresholds of the re-query figure (default: those of caching/ttl-honoured). */
  ttl?: TtlComplianceOptions;
  /** Experiments whose phases the re-query figure uses (default: `['baseline']`, as caching/ttl-honoured). */
  ttlExperiments?: readonly string[];
  /** Timeline rows before the remaining names share one (default 20). */
  timelineNames?: number;
}

/** A figure written to the run directory: what the report lists. */
export interface FigureFile {
  id: FigureId;
  /** Path relative to the run directory, with forward slashes: `figures/source-ports.svg`. */
  file: string;
  title: string;
  caption: string;
}

/** The four figures of one DUT, in report order, rendered but not written. */
export async function renderFigures(
  evidence: Evidence,
  dutId: string,
  options: FigureOptions = {},
): Promise<RenderedFigure[]> {
  const { phase } = options;
  return [
    await sourcePortFigure(evidence, dutId, phase),
    await txidFigure(evidence, dutId, phase),
    await queryTimelineFigure(evidence, dutId, {
      ...(phase === undefined ? {} : { phase }),
      ...(options.timelineNames === undefined ? {} : { names: options.timelineNames }),
    }),
    await requeryVsTtlFigure(evidence, dutId, {
      ...(options.ttl === undefined ? {} : { ttl: options.ttl }),
      ...(options.ttlExperiments === undefined ? {} : { experiments: options.ttlExperiments }),
    }),
  ];
}

/**
 * Renders the four figures of `dutId` and writes them as `<runDir>/figures/<id>.svg`
 * (replacing earlier ones). Returns, in report order, each file's path relative to the
 * run directory with its title and one-line caption.
 */
export async function writeFigures(
  runDir: string,
  evidence: Evidence,
  dutId: string,
  options: FigureOptions = {},
): Promise<FigureFile[]> {
  const figures = await renderFigures(evidence, dutId, options);
  mkdirSync(join(runDir, FIGURES_DIR), { recursive: true });
  return figures.map((figure) => {
    const file = `${FIGURES_DIR}/${figure.id}.svg`;
    writeFileSync(join(runDir, file), figure.svg);
    return { id: figure.id, file, title: figure.title, caption: figure.caption };
  });
}
