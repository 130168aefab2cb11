import { expect } from 'chai';
import type { Evidence } from '../evidence/evidence.ts';
import { loadEvidence } from '../evidence/load-evidence.ts';
import { SUITES_DIR } from '../checks/discover.ts';
import { join } from 'node:path';
import { analyzeOutput, validateAnalyzeOutput } from './analyze-output.ts';
import { passiveMetrics } from './passive-metrics.ts';
import { publicResolverList } from './resolver-use.ts';
import { DEFAULT_TTL_COMPLIANCE, ttlCompliance } from './ttl-compliance.ts';

/** The output for the resolver-use fail fixture: a device that also asks OpenDNS. */
function sample() {
  const evidence: Evidence = loadEvidence(
    join(SUITES_DIR, 'resolver-use', 'fixtures', 'assigned-resolver-only.fail.ndjson'),
  );
  const metrics = passiveMetrics(evidence, { dut: 'fixture-dut', assignedResolvers: ['127.0.10.1'] });
  return analyzeOutput({
    device: { id: 'fixture-dut', mac: null, ip: '127.0.10.9', addresses: ['127.0.10.9'] },
    captures: [],
    partial: false,
    problems: [],
    assignedResolvers: ['127.0.10.1'],
    publicResolvers: publicResolverList(),
    metrics,
    run: null,
    requeryVsTtl: ttlCompliance(evidence, 'fixture-dut', DEFAULT_TTL_COMPLIANCE).rows,
  });
}

describe('analysis/analyze-output', () => {
  it('gives the documented top-level figures, valid against the published schema', () => {
    const output = validateAnalyzeOutput(JSON.parse(JSON.stringify(sample())));
    expect(output.queries).to.equal(29);
    expect(output.resolvers).to.deep.equal({ '127.0.10.1': 20, '208.67.222.222': 9 });
    expect(output.hardcodedResolvers).to.deep.equal(['208.67.222.222']);
    expect(output.publicResolvers).to.deep.equal({ '208.67.222.222': 'OpenDNS (Cisco)' });
    expect(output.txid).to.have.all.keys(
      'n',
      'stdev',
      'bits',
      'class',
      'distinct',
      'top',
      'topCount',
      'topShare',
      'sequentialShare',
    );
    expect(output.ednsShare).to.equal(1);
  });

  it('refuses an output that departs from the schema, naming where', () => {
    const broken = JSON.parse(JSON.stringify(sample())) as Record<string, unknown>;
    (broken['sourcePort'] as Record<string, unknown>)['topShare'] = 1.5;
    delete broken['queries'];
    expect(() => validateAnalyzeOutput(broken))
      .to.throw(/\/sourcePort\/topShare: must be <= 1/)
      .and.to.match(/\/: must have required property 'queries'/);
  });
});
