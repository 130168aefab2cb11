/** Reads the three clause catalogues from `suites/catalogues/`, each against its schema. */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { loadYamlInput, precompiled } from '../input/yaml-input.ts';
import type { SemanticCheck } from '../input/yaml-input.ts';
import type { Catalogues, DraftCatalogue, EtsiCatalogue, RecommendationCatalogue } from './catalogue-types.ts';
import recommendationsValidator from './recommendations.validator.generated.ts';
import draftValidator from './draft-clauses.validator.generated.ts';
import etsiValidator from './en-303-645.validator.generated.ts';

/** The project's catalogue folder. */
export const CATALOGUES_DIR: string = fileURLToPath(new URL('../../suites/catalogues', import.meta.url));

/** File names of the catalogues inside a catalogue folder. */
export const CATALOGUE_FILES = {
  paper: 'recommendations.yaml',
  draft: 'draft-clauses.yaml',
  etsi: 'en-303-645.yaml',
} as const;

const validateRecommendations = precompiled<RecommendationCatalogue>(recommendationsValidator);
const validateDraft = precompiled<DraftCatalogue>(draftValidator);
const validateEtsi = precompiled<EtsiCatalogue>(etsiValidator);

/** Ids must be unique within their list; the problem points at the repeat. */
function uniqueIds<T>(list: (value: T) => { id: string }[], listPointer: string): SemanticCheck<T> {
  return (value) => {
    const seen = new Map<string, number>();
    return list(value).flatMap((item, index) => {
      const first = seen.get(item.id);
      seen.set(item.id, first ?? index);
      return first === undefined
        ? []
        : [{ pointer: `${listPointer}/${index}/id`, message: `id ${item.id} repeats ${listPointer}/${first}` }];
    });
  };
}

let project: Catalogues | undefined;

/**
 * The project's own catalogues (`suites/catalogues/`), read once per process: they ship with
 * the code, and the checks' requirements, profiles and every report quote them. Shared:
 * nothing may change them.
 */
export function projectCatalogues(): Catalogues {
  project ??= loadCatalogues();
  return project;
}

/** The three catalogues; bad data throws InputFileError naming the file, pointer and line. */
export function loadCatalogues(dir: string = CATALOGUES_DIR): Catalogues {
  const files = {
    paper: join(dir, CATALOGUE_FILES.paper),
    draft: join(dir, CATALOGUE_FILES.draft),
    etsi: join(dir, CATALOGUE_FILES.etsi),
  };
  const paper = loadYamlInput(
    files.paper,
    'recommendation catalogue',
    validateRecommendations,
    uniqueIds((v) => v.recommendations, '/recommendations'),
  );
  const draft = loadYamlInput(files.draft, 'draft clause catalogue', validateDraft, (value) => [
    ...uniqueIds<DraftCatalogue>((v) => v.clauses, '/clauses')(value),
    // A verified clause must say where the draft has it; an unverified one cannot know.
    ...value.clauses.flatMap((c, i) =>
      c.verified && c.section === null
        ? [{ pointer: `/clauses/${i}/section`, message: `${c.id} is verified but names no section` }]
        : [],
    ),
    ...value.clauses.flatMap((c, i) =>
      c.basis.every((b) => b.startsWith('P') || Object.hasOwn(value.basisCodes, b))
        ? []
        : [{ pointer: `/clauses/${i}/basis`, message: `${c.id} has a basis code not in /basisCodes` }],
    ),
  ]);
  const etsi = loadYamlInput(files.etsi, 'EN 303 645 catalogue', validateEtsi, (value) => [
    ...uniqueIds<EtsiCatalogue>((v) => v.provisions, '/provisions')(value),
    ...value.provisions.flatMap((p, i) =>
      (p.conditions ?? []).flatMap((c, j) =>
        Object.hasOwn(value.conditions, c)
          ? []
          : [{ pointer: `/provisions/${i}/conditions/${j}`, message: `condition ${c} is not in /conditions` }],
      ),
    ),
    ...value.provisions.flatMap((p, i) =>
      p.testCases.flatMap((t, j) =>
        t.id.startsWith(`${p.id}-`)
          ? []
          : [
              {
                pointer: `/provisions/${i}/testCases/${j}/id`,
                message: `test case ${t.id} is not in test group ${p.id}`,
              },
            ],
      ),
    ),
  ]);
  return {
    paper: paper.value,
    draft: draft.value,
    etsi: etsi.value,
    files,
    sha256: { paper: paper.sha256, draft: draft.sha256, etsi: etsi.sha256 },
  };
}
