/**
 * What the figure specs ask of an SVG document, without an XML library: that its tags
 * balance, and how many items a named mark (a Vega-Lite layer `name`) drew.
 */
import { expect } from 'chai';
import { Evidence } from '../evidence/evidence.ts';
import type { EvidenceEvent } from '../evidence/events.ts';
import { FixtureRun } from '../../suites/fixture-events.ts';
import type { FixtureAnswer } from '../../suites/fixture-events.ts';
import type { RenderedFigure } from './figure-types.ts';

/** Throws unless `svg` is one `<svg>` element whose tags nest and whose attributes are quoted. */
export function assertWellFormedSvg(svg: string): void {
  if (!svg.startsWith('<svg ')) throw new Error(`does not start with <svg: ${svg.slice(0, 40)}`);
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>/y;
  let i = 0;
  while (i < svg.length) {
    const open = svg.indexOf('<', i);
    if (open === -1) break;
    if (svg.slice(i, open).includes('>')) throw new Error(`stray > before offset ${open}`);
    tag.lastIndex = open;
    const match = tag.exec(svg);
    if (match === null) throw new Error(`malformed tag at offset ${open}: ${svg.slice(open, open + 60)}`);
    const [, closing, name, , selfClosing] = match;
    if (closing) {
      const expected = stack.pop();
      if (expected !== name) throw new Error(`</${name}> at offset ${open} closes <${expected}>`);
    } else if (!selfClosing) stack.push(name!);
    if (stack.length === 0 && tag.lastIndex < svg.trimEnd().length)
      throw new Error(`content after the root element at offset ${tag.lastIndex}`);
    i = tag.lastIndex;
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack.join('> <')}>`);
}

/**
 * Where the figure's title starts, from the left edge of the SVG, and the SVG's width:
 * a layout that ran out of room shows as a title pushed left of 0 or a width other than
 * the one asked for.
 */
export function titlePlacement(svg: string): { titleX: number; width: number } {
  const width = /^<svg [^>]*width="([\d.]+)"/.exec(svg);
  const origin = /^<svg [^>]*>(?:<rect [^>]*\/>)?<g [^>]*transform="translate\((-?[\d.]+),/.exec(svg);
  const title = /class="mark-group role-title"[^>]*><g transform="translate\((-?[\d.]+),/.exec(svg);
  if (!width || !origin || !title) throw new Error('no width, origin or title group found in the SVG');
  return { titleX: Number(origin[1]) + Number(title[1]), width: Number(width[1]) };
}

/** Items (paths) a named mark drew; -1 when the figure has no such mark. */
export function markItems(svg: string, markName: string): number {
  const start = svg.search(new RegExp(`<g class="mark-\\w+ role-mark ${markName}_marks"`));
  if (start === -1) return -1;
  const end = svg.indexOf('</g>', start);
  return (svg.slice(start, end).match(/<path /g) ?? []).length;
}

/** The text of every `<text>` element, in order; the lines of a multi-line one joined by spaces. */
export function svgTexts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>(.*?)<\/text>/g)].map((m) =>
    m[1]!
      .replace(/<tspan[^>]*>/g, '')
      .replace(/<\/tspan>/g, ' ')
      .trim(),
  );
}

/** Asserts `figure` is the well-formed notice that `dutId` sent no query, printed in the SVG, without `markName`. */
export function expectNoQueriesNotice(figure: RenderedFigure, dutId: string, markName: string): void {
  assertWellFormedSvg(figure.svg);
  expect(figure.caption).to.equal(`No queries to plot: the evidence holds no query from ${dutId}.`);
  expect(svgTexts(figure.svg)).to.include(figure.caption);
  expect(markItems(figure.svg, markName)).to.equal(-1);
}

export const T0 = 1_770_000_000_000_000;
export const SECOND = 1_000_000;

/** One exchange of the fixture DUT for {@link fixtureEvidence}. */
export interface FigureExchange {
  /** Seconds after T0. */
  at: number;
  name?: string;
  port?: number;
  txid?: number;
  /** The answer; default an A record with TTL 300; null for no reply. */
  answer?: FixtureAnswer | null;
}

/** An A answer with one record of the given TTL. */
export function answerA(ttl: number, name = 'api.example'): FixtureAnswer {
  return { latency: 2_000, rcode: 'NOERROR', records: [{ name, type: 'A', ttl, data: '192.0.2.10' }] };
}

/** Evidence of the fixture DUT (`fixture-dut`) over a baseline phase of `windowSeconds`. */
export function fixtureEvidence(windowSeconds: number, exchanges: readonly FigureExchange[]): Evidence {
  const run = new FixtureRun('run-figures-spec', T0, T0 + windowSeconds * SECOND);
  exchanges.forEach((e, i) => {
    const name = e.name ?? 'api.example';
    run.exchange(
      {
        t: T0 + e.at * SECOND,
        name,
        type: 'A',
        sourcePort: e.port ?? 50000 + i,
        txid: e.txid ?? (7919 * (i + 1)) % 65536,
        ednsUdpSize: null,
      },
      e.answer === undefined ? answerA(300, name) : e.answer,
    );
  });
  return new Evidence(run.events());
}

/** The same evidence with every query and response moved to TCP. */
export function overTcp(evidence: Evidence): Evidence {
  return new Evidence(
    evidence.events.map(
      (e): EvidenceEvent => (e.type === 'dns.query' || e.type === 'dns.response' ? { ...e, transport: 'tcp' } : e),
    ),
  );
}
