/**
 * Every experiment end to end against both reference devices, read from the demo's run (the
 * demo plan: every experiment once, 3-second phases; test/demo-run-test-kit.ts runs it once for
 * every spec that reads it): each phase runs, and the evidence shows on the wire that each
 * manipulation happened.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { decodeMessage } from '../lib/dns/codec.ts';
import { loadExperiments } from '../lib/experiments/catalogue.ts';
import type { Evidence } from '../lib/evidence/evidence.ts';
import type { ResponseEvent } from '../lib/evidence/events.ts';
import { loadEvidence } from '../lib/evidence/load-evidence.ts';
import { loadProfile } from '../lib/profile/load-profile.ts';
import type { Report } from '../lib/report/report-types.ts';
import { DEMO_TIMEOUT_MS, demoRun } from './demo-run-test-kit.ts';

const ROOT = join(import.meta.dirname, '..');

describe("every experiment, end to end (the demo plan's short phases)", function () {
  this.timeout(DEMO_TIMEOUT_MS);
  let status: number | null;
  let output: string;
  const evidence = new Map<string, Evidence>();
  const reports = new Map<string, Report>();
  const plan = parse(readFileSync(join(ROOT, 'profiles', 'plans', 'demo.yaml'), 'utf8')) as {
    phases: { experiment: string; name?: string }[];
  };
  const experiments = loadExperiments();
  /** The demo's canary n (`127.0.10.n`, or in the block the demo moved to when another session held 127.0.10.0/24). */
  let canary: (n: number) => string = (n) => `127.0.10.${n}`;

  before(async () => {
    const demo = await demoRun();
    status = demo.code;
    output = demo.output;
    for (const [dut, { dir, report }] of demo.runs) {
      reports.set(dut, report);
      // The profile as the run used it (kept in its directory): moved, its canaries moved with it.
      const block = loadProfile(join(dir, report.profile.file)).profile.canaries[0]!.replace(/\d+$/, '');
      canary = (n) => `${block}${n}`;
      evidence.set(dut, loadEvidence(join(dir, 'events.ndjson')));
    }
  });

  const responsesIn = (dut: string, phase: string): ResponseEvent[] =>
    evidence
      .get(dut)!
      .responses(dut)
      .filter((r) => r.phase === phase);

  it('runs every phase of the plan, in order, for both devices, and still tells them apart', () => {
    expect(status, output).to.equal(0);
    for (const report of reports.values()) {
      // Every phase, the resolver change too: the devices' loopback DHCP (network.dhcp) acts it out.
      expect(report.observation.phases.map((p) => p.name)).to.deep.equal(
        plan.phases.map((p) => p.name ?? p.experiment),
      );
    }
  });

  it('changes the resolver through DHCP: dnsmasq hands the second resolver out at a renewal, the good device moves there and the bad one does not', () => {
    const phase = plan.phases.find((p) => experiments.get(p.experiment)!.dhcp === 'change-resolver')!;
    const name = phase.name ?? phase.experiment;
    for (const [dut, ev] of evidence) {
      const change = ev.ofType('dhcp.resolver-change').find((e) => e.dut === dut && e.phase === name);
      expect(change, `${dut}: the change is evidence`).to.not.equal(undefined);
      const renewals = ev
        .ofType('dhcp.lease')
        .filter((l) => l.dut === dut && l.interface === 'lo' && l.kind === 'renewal' && l.t > change!.t);
      expect(
        renewals.some((l) => l.options.some((o) => o.code === 6 && o.value === change!.to[0])),
        `${dut}: a renewal named ${change!.to[0]}`,
      ).to.equal(true);
      const moved = ev.queries(dut).filter((q) => q.phase === name && q.server.address === change!.to[0]);
      if (dut === 'sim-good') expect(moved.length, 'sim-good queries to the new resolver').to.be.above(0);
      else expect(moved, `${dut} keeps its resolver`).to.have.length(0);
    }
  });

  it('shows each manipulation on the wire in the phase that asked for it', () => {
    for (const phase of plan.phases) {
      const name = phase.name ?? phase.experiment;
      const steps = experiments.get(phase.experiment)!.scenario;
      const all = [...evidence.keys()].flatMap((dut) => responsesIn(dut, name));
      const drops = [...evidence.entries()].flatMap(([dut, ev]) =>
        ev.events.filter((e) => e.type === 'dns.drop' && e.dut === dut && e.phase === name),
      );
      if (steps.length === 0) {
        expect(
          all.filter((r) => r.manipulations.length > 0),
          `${name} is pass-through`,
        ).to.have.length(0);
      } else if (steps[0] === 'closedPort()') {
        // The sockets were really closed: nothing reached the resolver, the kernel answered.
        const closes = [...evidence.values()].flatMap((ev) =>
          ev.events.filter((e) => e.type === 'resolver.close' && e.phase === name),
        );
        expect(closes.length, `${name}: listeners closed`).to.be.above(0);
        expect(all, `${name}: nothing answered`).to.have.length(0);
      } else if (steps[0] === 'drop()') {
        expect(drops.length, `${name}: silence`).to.be.above(0);
        expect(all, `${name}: nothing answered`).to.have.length(0);
      } else if (steps[0]!.startsWith('dnssecBogus(')) {
        // Bogus DNSSEC answers come from a signed zone: manipulated exactly when a device's profile has one (profile.signedZone).
        const signed = ['sim-good.yaml', 'sim-bad.yaml'].some(
          (file) => loadProfile(join(ROOT, 'profiles', file)).profile.signedZone !== undefined,
        );
        expect(
          all.some((r) => r.manipulations.length > 0),
          `${name}: manipulated when a zone is signed (${signed})`,
        ).to.equal(signed);
      } else {
        expect(
          all.some((r) => r.manipulations.length > 0),
          `${name}: some response manipulated`,
        ).to.equal(true);
      }
    }
  });

  it('puts the promised values on the wire: TTLs, forged canaries, TC, record counts, copies', () => {
    const bad = (phase: string) => responsesIn('sim-bad', phase);
    expect(new Set(bad('ttl-zero').flatMap((r) => r.answers.map((a) => a.ttl)))).to.deep.equal(new Set([0]));
    expect(new Set(bad('ttl-huge').flatMap((r) => r.answers.map((a) => a.ttl)))).to.deep.equal(
      new Set([1_000_000_000]),
    );
    expect(new Set(bad('ttl-max').flatMap((r) => r.answers.map((a) => a.ttl)))).to.deep.equal(new Set([4_294_967_295]));
    expect(new Set(bad('forged-a').flatMap((r) => r.answers.map((a) => a.data)))).to.deep.equal(new Set([canary(77)]));
    expect(bad('truncation').every((r) => r.flags.tc && r.answers.length === 0)).to.equal(true);
    expect(bad('amplify-100').every((r) => r.answers.length === 100)).to.equal(true);
    expect(bad('flood-10').every((r) => r.copies === 10)).to.equal(true);
    expect(bad('oversize').every((r) => r.size > 512 && !r.flags.tc)).to.equal(true);
    expect(bad('servfail').every((r) => r.flags.rcode === 'SERVFAIL')).to.equal(true);
    expect(
      bad('nxdomain').every((r) => r.flags.rcode === 'NXDOMAIN' && r.authority.some((a) => a.type === 'SOA')),
    ).to.equal(true);
    expect(new Set(bad('wrong-class').flatMap((r) => r.answers.map((a) => `${a.class} ${a.data}`)))).to.deep.equal(
      new Set([`CH ${canary(77)}`]),
    );
    // Late answers: after the genuine answer, three more to the same query (its ID), pointing at the canary.
    const late = bad('late-answers').filter((r) => r.manipulations.length > 0);
    const genuineId = new Map(
      bad('late-answers')
        .filter((r) => r.manipulations.length === 0)
        .map((r) => [r.queryRef, r.txid]),
    );
    expect(late.length).to.be.above(0);
    expect(
      late.every((r) => r.copies === 3 && r.answers[0]?.data === canary(77) && genuineId.get(r.queryRef) === r.txid),
    ).to.equal(true);
    // Each spoof kind towards its own canary, ahead of every genuine answer to an A query.
    const spoofed = bad('spoof-race').filter((r) => r.manipulations.length > 0);
    expect(
      new Set(spoofed.map((r) => `${r.manipulations[0]!.replace(/\(.*/, '')} ${r.answers[0]?.data}`)),
    ).to.deep.equal(
      new Set([
        `spoofTxid ${canary(78)}`,
        `spoofPort ${canary(79)}`,
        `spoofSource ${canary(80)}`,
        `spoofQuestion ${canary(81)}`,
      ]),
    );
    // Only queries with EDNS get FORMERR; sim-good's retries without EDNS get their answer.
    const ednsQueries = new Set(
      evidence
        .get('sim-good')!
        .queries('sim-good')
        .filter((q) => q.edns !== null)
        .map((q) => q.seq),
    );
    const formerrs = responsesIn('sim-good', 'formerr-on-edns').filter((r) => ednsQueries.has(r.queryRef));
    expect(formerrs.length).to.be.above(0);
    expect(formerrs.every((r) => r.flags.rcode === 'FORMERR' && r.edns === null)).to.equal(true);
    // The decoded fields are the wire: re-decode one manipulated response from its bytes.
    const [sample] = bad('amplify-10');
    const decoded = decodeMessage(Buffer.from(sample!.wire, 'base64'));
    expect(decoded.ok && decoded.message.answers?.length).to.equal(10);
  });

  it('tells the devices apart on the checks of padding, downgrade, TTL jumps, recovery, local function, EDNS size and late answers', () => {
    const verdict = (dut: string, check: string) => {
      const result = reports.get(dut)!.results.find((r) => r.check === check);
      return `${result?.verdict}: ${result?.observed}`;
    };
    // sim-good passes each; the bad device fails those short phases can decide, and never used encrypted DNS.
    const decided = ['transport/edns-payload-size', 'resilience/first-answer-only', 'resilience/works-while-dns-down'];
    const encrypted = ['encryption/encrypted-queries-padded', 'encryption-upgrade/no-cleartext-downgrade'];
    for (const check of [
      ...decided,
      ...encrypted,
      'caching/ttl-jump-not-pinned',
      'resilience/no-storm-after-recovery',
    ]) {
      expect(verdict('sim-good', check), `sim-good ${check}`).to.match(/^PASS:/);
    }
    for (const check of decided) expect(verdict('sim-bad', check), `sim-bad ${check}`).to.match(/^FAIL:/);
    for (const check of encrypted) expect(verdict('sim-bad', check), `sim-bad ${check}`).to.match(/^INCONCLUSIVE:/);
  });

  it('tells the validating device from the other under the DNSSEC experiments, and says why in the report', () => {
    const result = (dut: string) => reports.get(dut)!.results.find((r) => r.check === 'validation/dnssec-validation')!;
    const good = result('sim-good');
    const bad = result('sim-bad');
    expect(`${good.verdict}: ${good.observed}`).to.match(/^PASS: .*asked with DO and refused every bogus variant/);
    expect(good.figures).to.deep.include({ canaryContacts: 0, declaresValidation: true });
    expect(`${bad.verdict}: ${bad.observed}`).to.match(/^INFO: .*it does not validate DNSSEC/);
    expect((bad.figures as { variantsUsed: string[] }).variantsUsed).to.include.members([
      'rdata',
      'stripped',
      'expired',
    ]);
    // On the wire: the good device's DO queries got each bogus variant (RRSIGs kept over the canary, stripped, expired) and AD on forged data.
    const doQueries = new Set(
      evidence
        .get('sim-good')!
        .queries('sim-good')
        .filter((q) => q.edns?.do === true)
        .map((q) => q.seq),
    );
    const bogus = responsesIn('sim-good', 'dnssec-bogus').filter(
      (r) => r.manipulations.length > 0 && doQueries.has(r.queryRef),
    );
    expect(new Set(bogus.flatMap((r) => r.answers.filter((a) => a.type === 'A').map((a) => a.data)))).to.deep.equal(
      new Set([canary(77), canary(78), canary(79)]),
    );
    expect(
      responsesIn('sim-good', 'dnssec-downgrade')
        .filter((r) => r.manipulations.length > 0)
        .every((r) => r.flags.ad && r.answers[0]?.data === canary(80)),
    ).to.equal(true);
    // The report states the decision rule and the clauses it rests on, the draft's provisionally.
    for (const r of [good, bad]) {
      expect(r.decisionRule.text).to.match(
        /^Under dnssec-bogus, .*PASS when .*FAIL when the IXIT declares DNSSEC validation/,
      );
      expect(r.covers).to.deep.include({ paper: ['7'], draft: ['IOTDNS-D-VAL-2'] });
    }
    expect(reports.get('sim-good')!.citations.draftMapping.status).to.equal('provisional');
  });

  it('power-cycles the simulated devices where the plan says so', () => {
    const cycles = plan.phases.filter((p) => (p as { trigger?: string }).trigger === 'power-cycle').length;
    for (const [dut, ev] of evidence) {
      expect(
        ev.events.filter((e) => e.type === 'dut.start' && e.dut === dut),
        dut,
      ).to.have.length(1 + cycles);
    }
  });
});
