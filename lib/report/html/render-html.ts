/**
 * report.json → report.html with the handlebars templates in templates/. The template
 * sees the report as it is and the run's charts, read from the run directory and checked
 * against the digests report.json gives for them, inlined as data: URIs so the HTML (and
 * the PDF printed from it) needs nothing else. A data: image, not inline <svg>, keeps each
 * chart's ids and styles apart from the page's and from the other charts'.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import type { Report, ReportFigure } from '../report-types.ts';
import type { PageFurniture } from '../pdf/render-pdf.ts';
import { HELPERS } from './helpers.ts';

const TEMPLATE_DIR = join(import.meta.dirname, '..', '..', '..', 'templates');

/** A chart of the run ready to inline. */
export interface InlineFigure extends ReportFigure {
  /** `data:image/svg+xml;base64,...` of the figure file. */
  dataUri: string;
}

/** A figure file is missing or not the one report.json digested. */
export class FigureMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FigureMismatchError';
  }
}

interface Templates {
  report: Handlebars.TemplateDelegate;
  header: Handlebars.TemplateDelegate;
  footer: Handlebars.TemplateDelegate;
}
let templates: Templates | undefined;

function compile(): Templates {
  const hbs = Handlebars.create();
  hbs.registerHelper(HELPERS);
  hbs.registerPartial('reportStyle', readFileSync(join(TEMPLATE_DIR, 'report.css.hbs'), 'utf8'));
  hbs.registerPartial(
    'provisionalMapping',
    readFileSync(join(TEMPLATE_DIR, 'report-provisional-mapping.html.hbs'), 'utf8'),
  );
  const load = (name: string) => hbs.compile(readFileSync(join(TEMPLATE_DIR, name), 'utf8'), { strict: false });
  return {
    report: load('report.html.hbs'),
    header: load('report-page-header.html.hbs'),
    footer: load('report-page-footer.html.hbs'),
  };
}

/**
 * Reads the figures report.json lists from `runDir`; each must match the SHA-256 the
 * report gives it in `evidenceFiles`, so the document shows the charts that were signed.
 */
export function loadFigures(runDir: string, report: Report): InlineFigure[] {
  return (report.figures ?? []).map((figure) => {
    const entry = report.evidenceFiles.find((f) => f.file === figure.file);
    if (!entry) throw new FigureMismatchError(`figure ${figure.file} is not among the report's evidence files`);
    let bytes: Buffer;
    try {
      bytes = readFileSync(join(runDir, ...figure.file.split('/')));
    } catch (error) {
      throw new FigureMismatchError(`figure ${figure.file} cannot be read from ${runDir}: ${(error as Error).message}`);
    }
    if (createHash('sha256').update(bytes).digest('hex') !== entry.sha256) {
      throw new FigureMismatchError(
        `figure ${join(runDir, figure.file)} does not match the SHA-256 report.json gives it`,
      );
    }
    return { ...figure, dataUri: `data:image/svg+xml;base64,${bytes.toString('base64')}` };
  });
}

/** The HTML document of a report. */
export function renderReportHtml(report: Report, figures: readonly InlineFigure[]): string {
  templates ??= compile();
  return templates.report({ report, figures });
}

/** Running header and footer of the PDF pages: report id, page n of N. */
export function renderPageFurniture(report: Report): PageFurniture {
  templates ??= compile();
  return { headerTemplate: templates.header({ report }), footerTemplate: templates.footer({ report }) };
}
