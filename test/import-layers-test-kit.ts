/**
 * The layering rule of docs/architecture.md, read from the source: every import under
 * `lib/` goes to its own stage, an earlier stage, or `evidence` (the ground floor), never to
 * a later one, and no group of engine files imports itself round in a cycle. Specs and test
 * kits (`*.spec.ts`, `*test-kit.ts`) are test code: they may reach any stage, and only the
 * engine's own files are held to the order.
 *
 * Imports are read with a regular expression rather than the TypeScript compiler API: the
 * project writes every import as a static `from '...'` or `import('...')` with a string
 * literal, which is all the rule needs, and tsc 7 (the native compiler) has no JavaScript API.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';

/** One import that runs against the stage order. */
export interface BackwardImport {
  /** The importing file, relative to the checked root (`lib/capture/x.ts`). */
  file: string;
  /** The imported file, relative to the checked root. */
  target: string;
  from: string;
  to: string;
}

/** What the rule finds in a source tree. */
export interface LayerFindings {
  backward: BackwardImport[];
  /** Engine files under `lib/` that import `suites/`, `test/` or `bench/`. */
  outsideLib: { file: string; target: string }[];
  /** Stages (folders of `lib/`) that the stage order does not name. */
  unknownStages: string[];
  /** Import cycles among engine files, each as the files it runs through, sorted. */
  cycles: string[][];
}

/** The ground floor every stage may use. */
export const GROUND_FLOOR = 'evidence';

const IMPORT = /(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;

/** The stage order declared in docs/architecture.md: the lines of its fenced `stages` block. */
export function readStageOrder(architectureDoc: string): string[] {
  const block = /```stages\n([\s\S]*?)```/.exec(readFileSync(architectureDoc, 'utf8'));
  if (!block) throw new Error(`${architectureDoc}: no fenced \`stages\` block`);
  return block[1]!
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter(Boolean);
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

const isTestCode = (file: string) => file.endsWith('.spec.ts') || file.endsWith('test-kit.ts');

/** Reads every import under `root/lib` and holds it to `stages` (earliest first). */
export function checkLayers(root: string, stages: readonly string[]): LayerFindings {
  const lib = join(root, 'lib');
  const rank = new Map(stages.map((stage, index) => [stage, index]));
  const findings: LayerFindings = { backward: [], outsideLib: [], unknownStages: [], cycles: [] };
  const stageOf = (file: string) => relative(lib, file).split(sep)[0]!;
  const unknown = new Set<string>();
  const graph = new Map<string, string[]>();
  for (const file of tsFiles(lib)) {
    const from = stageOf(file);
    if (!rank.has(from) && relative(lib, file).includes(sep)) unknown.add(from);
    if (isTestCode(file)) continue;
    const edges: string[] = [];
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const target = normalize(join(dirname(file), match[1]!));
      const shown = { file: relative(root, file), target: relative(root, target) };
      if (relative(lib, target).startsWith('..')) {
        findings.outsideLib.push(shown);
        continue;
      }
      edges.push(target);
      const to = stageOf(target);
      if (to === from || to === GROUND_FLOOR || !rank.has(to) || !rank.has(from)) continue;
      if (rank.get(to)! > rank.get(from)!) findings.backward.push({ ...shown, from, to });
    }
    graph.set(file, edges);
  }
  findings.unknownStages = [...unknown].sort();
  findings.cycles = stronglyConnected(graph)
    .filter((component) => component.length > 1 || graph.get(component[0]!)?.includes(component[0]!))
    .map((component) => component.map((file) => relative(root, file)).sort());
  return findings;
}

/** Tarjan's strongly connected components, iterative (deep import chains would overflow a recursive walk). */
function stronglyConnected(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let next = 0;
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work: { node: string; edge: number }[] = [{ node: start, edge: 0 }];
    index.set(start, next);
    low.set(start, next);
    next++;
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const edges = (graph.get(frame.node) ?? []).filter((target) => graph.has(target));
      if (frame.edge < edges.length) {
        const target = edges[frame.edge++]!;
        if (!index.has(target)) {
          index.set(target, next);
          low.set(target, next);
          next++;
          stack.push(target);
          onStack.add(target);
          work.push({ node: target, edge: 0 });
        } else if (onStack.has(target)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(target)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        components.push(component);
      }
    }
  }
  return components;
}
