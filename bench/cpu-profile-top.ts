/**
 * The hottest functions of a V8 CPU profile (`node --cpu-prof`, or
 * `resolver-throughput.ts --cpu-prof DIR`), by self time and by total (inclusive) time.
 *
 *   npx tsx bench/cpu-profile-top.ts DIR/ours-adversarial-udp-….cpuprofile [rows] [function]
 *
 * With a function name (e.g. `onMessage`), only the samples with that function on the
 * stack count, and the shares are of those (start-up and idle time left out).
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, rowsText, within] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: npx tsx bench/cpu-profile-top.ts FILE.cpuprofile [rows] [function]\n');
  process.exit(2);
}
const rows = Number(rowsText ?? 25);
if (!Number.isInteger(rows) || rows <= 0) {
  process.stderr.write(`rows: "${rowsText}" is not a positive integer\n`);
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  let where = url;
  if (url.startsWith('file://')) where = relative(process.cwd(), fileURLToPath(url));
  return `${functionName || '(anonymous)'} ${where ? `${where}:${lineNumber + 1}` : ''}`.trim();
}

const self = new Map<string, number>();
const total = new Map<string, number>();
let all = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  const node = byId.get(id)!;
  if (within !== undefined) {
    let inside = false;
    for (let at: number | undefined = id; at !== undefined && !inside; at = parent.get(at))
      inside = byId.get(at)!.callFrame.functionName === within;
    if (!inside) return;
  }
  all += dt;
  self.set(label(node), (self.get(label(node)) ?? 0) + dt);
  // Inclusive time: every distinct frame on the sampled stack, counted once.
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const name = label(byId.get(at)!);
    if (seen.has(name)) continue;
    seen.add(name);
    total.set(name, (total.get(name) ?? 0) + dt);
  }
});

function print(title: string, table: Map<string, number>): void {
  process.stdout.write(
    `\n${title} (of ${(all / 1000).toFixed(0)} ms sampled${within === undefined ? '' : ` with ${within} on the stack`})\n`,
  );
  for (const [name, us] of [...table].sort((a, b) => b[1] - a[1]).slice(0, rows)) {
    process.stdout.write(`${((100 * us) / all).toFixed(1).padStart(5)} %  ${name}\n`);
  }
}
print('self time', self);
print('total time', total);
