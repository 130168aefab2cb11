/**
 * Reading a YAML input file (profile, plan, experiment) against a JSON Schema, so that every
 * problem is reported with the file, the JSON pointer and the line it sits on, and exit
 * code 2 follows. One implementation for every kind of input file.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { LineCounter, parseDocument } from 'yaml';
import type { Document } from 'yaml';
import { BadInputError } from '../evidence/bad-input.ts';

/** One problem in an input file. */
export interface InputProblem {
  /** JSON pointer of the offending value (`/device/behaviour/txid/strategy`). */
  pointer: string;
  /** 1-based line in the file, when the value is in the file. */
  line: number | null;
  message: string;
}

/** An input file that is not valid; the message lists every problem with its place. */
export class InputFileError extends BadInputError {
  constructor(
    readonly file: string,
    readonly kind: string,
    readonly problems: InputProblem[],
  ) {
    // The first problem's place is on the first line (the one a log or a CI summary keeps); any others follow, one a line.
    const place = (p: InputProblem) => `${p.pointer || '/'}${p.line ? ` (line ${p.line})` : ''}: ${p.message}`;
    const [first, ...rest] = problems;
    super(
      `${file}: invalid ${kind}${first ? ` at ${place(first)}` : ''}${rest.length > 0 ? `; ${rest.length} more:\n${rest.map((p) => `  ${place(p)}`).join('\n')}` : ''}`,
    );
    this.name = 'InputFileError';
  }
}

/** A validated input with the exact text it came from. */
export interface LoadedInput<T> {
  value: T;
  file: string;
  text: string;
  sha256: string;
}

/** Checks a schema cannot express; each returns problems with pointers (lines are added). */
export type SemanticCheck<T> = (value: T) => { pointer: string; message: string }[];

/**
 * A validator compiled ahead of time from a schema (`<name>.validator.generated.ts`, written
 * by `npm run schema-types` with the Ajv options of scripts/schema-validators.ts), typed as
 * Ajv's validate function for the document it accepts.
 */
export function precompiled<T>(validate: unknown): ValidateFunction<T> {
  return validate as ValidateFunction<T>;
}

function pointerSegments(pointer: string): (string | number)[] {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function lineOf(doc: Document, counter: LineCounter, pointer: string): number | null {
  const segments = pointerSegments(pointer);
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
  if (error.keyword === 'discriminator')
    return `"${String(params.tag)}" has an unknown value ${JSON.stringify(params.tagValue)}`;
  return error.message ?? error.keyword;
}

/** Parses and validates YAML text; `file` names it and `kind` says what it is in errors. */
export function parseYamlInput<T>(
  text: string,
  file: string,
  kind: string,
  validate: ValidateFunction<T>,
  semantic?: SemanticCheck<T>,
): T {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new InputFileError(
      file,
      kind,
      doc.errors.map((e) => ({
        pointer: '',
        line: e.linePos?.[0]?.line ?? null,
        message: `YAML: ${(e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')}`,
      })),
    );
  }
  const value: unknown = doc.toJS();
  if (!validate(value)) {
    const problems = (validate.errors ?? [])
      // anyOf/if restate their branches' errors; the branch errors are the useful ones.
      .filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'if')
      .map((e) => {
        const pointer = e.keyword === 'discriminator' ? `${e.instancePath}/${String(e.params.tag)}` : e.instancePath;
        return { pointer, line: lineOf(doc, counter, pointer), message: describe(e) };
      });
    throw new InputFileError(file, kind, problems);
  }
  const semanticProblems = (semantic?.(value) ?? []).map((p) => ({ ...p, line: lineOf(doc, counter, p.pointer) }));
  if (semanticProblems.length > 0) throw new InputFileError(file, kind, semanticProblems);
  return value;
}

/** Reads and validates a YAML input file. */
export function loadYamlInput<T>(
  file: string,
  kind: string,
  validate: ValidateFunction<T>,
  semantic?: SemanticCheck<T>,
): LoadedInput<T> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputFileError(file, kind, [
      {
        pointer: '',
        line: null,
        message: `cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      },
    ]);
  }
  return {
    value: parseYamlInput(text, file, kind, validate, semantic),
    file,
    text,
    sha256: createHash('sha256').update(text).digest('hex'),
  };
}
