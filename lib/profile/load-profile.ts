/**
 * Reads a profile (YAML), validates it against `profile.schema.json`, and reports any
 * problem with the file, the JSON pointer and the line it sits on.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import type { ErrorObject } from 'ajv';
import af from 'ajv-formats';
import { LineCounter, parseDocument } from 'yaml';
import type { Document } from 'yaml';
import type { Profile } from './profile-types.ts';
import schema from './profile.schema.json' with { type: 'json' };

const addFormats = af as unknown as typeof af.default;

/** One problem in a profile. */
export interface ProfileProblem {
  /** JSON pointer of the offending value (`/device/behaviour/txid/strategy`). */
  pointer: string;
  /** 1-based line in the file, when the value is in the file. */
  line: number | null;
  message: string;
}

/** A profile that is not valid; the message lists every problem with its place. */
export class ProfileError extends Error {
  constructor(readonly file: string, readonly problems: ProfileProblem[]) {
    super(`${file}: invalid profile\n${problems.map((p) => `  ${p.pointer || '/'}${p.line ? ` (line ${p.line})` : ''}: ${p.message}`).join('\n')}`);
    this.name = 'ProfileError';
  }
}

/** A validated profile with the exact bytes it came from (copied into the run as evidence). */
export interface LoadedProfile {
  profile: Profile;
  file: string;
  text: string;
  sha256: string;
}

const ajv = new Ajv({ allErrors: true, useDefaults: true, discriminator: true, strictSchema: true, strictTypes: false, strictRequired: false });
addFormats(ajv);
const validate = ajv.compile<Profile>(schema);

function pointerSegments(pointer: string): string[] {
  return pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function lineOf(doc: Document, counter: LineCounter, pointer: string): number | null {
  const segments = pointerSegments(pointer).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  for (let depth = segments.length; depth >= 0; depth -= 1) {
    const node = doc.getIn(segments.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
    if (node?.range) return counter.linePos(node.range[0]).line;
  }
  return null;
}

function describe(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties') return `unknown property "${String(params.additionalProperty)}"`;
  if (error.keyword === 'required') return `missing required property "${String(params.missingProperty)}"`;
  if (error.keyword === 'enum') return `${error.message}: ${(params.allowedValues as unknown[]).join(', ')}`;
  if (error.keyword === 'const') return `must be ${JSON.stringify(params.allowedValue)}`;
  if (error.keyword === 'discriminator') return `"${String(params.tag)}" has an unknown value ${JSON.stringify(params.tagValue)}`;
  return error.message ?? error.keyword;
}

/** Checks the schema cannot express: cross-field ranges and record data by type. */
function semanticProblems(profile: Profile): ProfileProblem[] {
  const problems: ProfileProblem[] = [];
  const add = (pointer: string, message: string) => problems.push({ pointer, line: null, message });
  if (profile.device.kind === 'simulated') {
    const b = profile.device.behaviour;
    if (b.sourcePort.strategy === 'random' && b.sourcePort.min > b.sourcePort.max) add('/device/behaviour/sourcePort/min', 'min is above max');
    if (b.ttl.mode === 'clamp' && b.ttl.min > b.ttl.max) add('/device/behaviour/ttl/min', 'min is above max');
    if (b.retry.maxTimeoutMs < b.retry.timeoutMs) add('/device/behaviour/retry/maxTimeoutMs', 'is below timeoutMs');
  }
  profile.zone.forEach((record, index) => {
    const ipv4 = /^\d{1,3}(\.\d{1,3}){3}$/.test(record.data);
    if (record.type === 'A' && !ipv4) add(`/zone/${index}/data`, `"${record.data}" is not an IPv4 address`);
    if (record.type === 'AAAA' && !record.data.includes(':')) add(`/zone/${index}/data`, `"${record.data}" is not an IPv6 address`);
    if (record.type === 'MX' && !/^\d+\s+\S+$/.test(record.data)) add(`/zone/${index}/data`, 'MX data must be "<preference> <exchange>"');
  });
  return problems;
}

/** Parses and validates profile text; `file` names it in errors. */
export function parseProfile(text: string, file: string): Profile {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ProfileError(file, doc.errors.map((e) => ({ pointer: '', line: e.linePos?.[0]?.line ?? null, message: `YAML: ${(e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')}` })));
  }
  const value: unknown = doc.toJS();
  if (!validate(value)) {
    const problems = (validate.errors ?? [])
      // anyOf/oneOf restate their branches' errors; the branch errors are the useful ones.
      .filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'if')
      .map((e) => {
        const pointer = e.keyword === 'discriminator' ? `${e.instancePath}/${String(e.params.tag)}` : e.instancePath;
        return { pointer, line: lineOf(doc, counter, pointer), message: describe(e) };
      });
    throw new ProfileError(file, problems);
  }
  const semantic = semanticProblems(value).map((p) => ({ ...p, line: lineOf(doc, counter, p.pointer) }));
  if (semantic.length > 0) throw new ProfileError(file, semantic);
  return value;
}

/** Reads, parses and validates a profile file. */
export function loadProfile(file: string): LoadedProfile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ProfileError(file, [{ pointer: '', line: null, message: `cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` }]);
  }
  return { profile: parseProfile(text, file), file, text, sha256: createHash('sha256').update(text).digest('hex') };
}
