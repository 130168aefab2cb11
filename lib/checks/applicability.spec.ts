import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { loadCatalogues } from '../catalogue/load-catalogues.ts';
import { ProfileError, parseProfile } from '../profile/load-profile.ts';
import type { Profile } from '../profile/profile-types.ts';
import { deselectedMandatoryChecks, mandatoryProvisions } from './applicability.ts';
import { discoverChecks } from './discover.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const catalogues = loadCatalogues();
const checks = await discoverChecks();
const byId = (id: string) => checks.find((c) => c.id === id)!;

/** A minimal lab profile with the given conformance fields. */
function profileWith(extra: object): Profile {
  return parseProfile(
    JSON.stringify({
      profileVersion: 1,
      dut: { id: 'dut', vendor: 'v', model: 'm', addresses: ['127.0.10.9'] },
      device: { kind: 'lab' },
      resolver: { listen: [{ transport: 'udp', address: '127.0.10.1', port: 53 }] },
      zone: [],
      scenario: [],
      canaries: [],
      observe: { windowSeconds: 10 },
      ...extra,
    }),
    'test profile',
  );
}

function profileProblems(extra: object): string[] {
  try {
    profileWith(extra);
    return [];
  } catch (error) {
    if (!(error instanceof ProfileError)) throw error;
    return error.problems.map((p) => `${p.pointer}: ${p.message}`);
  }
}

describe('checks/applicability: the ICS decides', () => {
  it('a check citing a mandatory provision is mandatory; one citing only recommendations is not', () => {
    expect(mandatoryProvisions(byId('validation/spoofed-answers-rejected').meta, undefined, catalogues)).to.deep.equal([
      '5.13-1',
    ]);
    expect(mandatoryProvisions(byId('caching/ttl-honoured').meta, undefined, catalogues)).to.deep.equal([]);
  });

  it('a conditional mandatory provision declared N/A makes no check mandatory', () => {
    const meta = { ...byId('caching/ttl-honoured').meta, covers: { paper: [], draft: [], etsi: ['6-5'] } };
    expect(mandatoryProvisions(meta, undefined, catalogues)).to.deep.equal(['6-5']);
    expect(
      mandatoryProvisions(
        meta,
        profileWith({ ics: [{ provision: '6-5', support: 'N/A', detail: 'no telemetry' }] }),
        catalogues,
      ),
    ).to.deep.equal([]);
  });

  it('names the mandatory checks a selection leaves out', () => {
    const selected = checks.filter((c) => c.id.startsWith('randomness/'));
    const left = deselectedMandatoryChecks(checks, selected, [undefined], catalogues).map((m) => m.check);
    expect(left).to.include('validation/spoofed-answers-rejected');
    expect(left).to.not.include('caching/ttl-honoured');
    expect(left.some((id) => id.startsWith('randomness/'))).to.equal(false);
  });

  it('the profile refuses N/A for an unconditional provision, an unknown provision, a repeat, and a lab assessment of a tested clause', () => {
    expect(
      profileProblems({ ics: [{ provision: '5.13-1', support: 'N/A', detail: 'we do not validate' }] }),
    ).to.deep.equal(['/ics/0/support: N/A is allowed only for a conditional provision; 5.13-1 is M without condition']);
    expect(profileProblems({ ics: [{ provision: '5.1-1', support: 'Y' }] })[0]).to.match(
      /^\/ics\/0\/provision: 5\.1-1 is not among the EN 303 645 provisions/,
    );
    expect(
      profileProblems({
        ics: [
          { provision: '6-4', support: 'N/A', detail: 'x' },
          { provision: '6-4', support: 'Y' },
        ],
      }),
    ).to.deep.equal(['/ics/1/provision: 6-4 is stated twice']);
    expect(profileProblems({ ics: [{ provision: '5.8-2', support: 'N' }] })).to.deep.equal([
      '/ics/0: missing required property "detail"',
    ]);
    expect(
      profileProblems({
        labAssessments: [{ clause: 'IOTDNS-D-RND-1', verdict: 'PASS', justification: 'documents say so' }],
      }),
    ).to.deep.equal([
      "/labAssessments/0/clause: IOTDNS-D-RND-1 is not left to the lab's assessment in its catalogue (checks judge it, or nobody can)",
    ]);
    expect(
      profileProblems({
        labAssessments: [
          { clause: 'IOTDNS-M-SIGN-1', verdict: 'FAIL', justification: 'zones unsigned', documents: ['DNS policy v3'] },
        ],
      }),
    ).to.deep.equal([]);
  });

  it('a certification plan refuses --checks that leaves out a mandatory check (exit 2, before anything runs)', () => {
    const run = spawnSync(
      process.execPath,
      [
        join(ROOT, 'bin', 'dnsconform.js'),
        'run',
        '--profile',
        join(ROOT, 'profiles', 'sim-good.yaml'),
        '--plan',
        'full',
        '--checks',
        'caching',
        '--out',
        '/nonexistent/never-written',
      ],
      { encoding: 'utf8' },
    );
    expect(run.status, run.stderr).to.equal(2);
    expect(run.stderr).to.match(
      /full\.yaml is a certification plan; --checks cannot leave out mandatory checks: .*validation\/spoofed-answers-rejected \(EN 303 645 5\.13-1, status M\)/,
    );
  });
});
