import { expect } from 'chai';
import { allowlistFixtureRun } from './allowlist-test-kit.ts';
import { mudProblems } from './mud.ts';
import { AllowlistInputError, buildAllowlist } from './write-allowlist.ts';
import { refusingWildcards } from './rpz.ts';

describe('allowlist', () => {
  const built = buildAllowlist([allowlistFixtureRun()]);

  it("allows the names resolved with unchanged answers and their CNAME targets, never a forged answer's names", () => {
    expect(built.allowlist.resolved.map((n) => n.name)).to.deep.equal(['api.sim.example', 'time.sim.example']);
    const api = built.allowlist.resolved.find((n) => n.name === 'api.sim.example')!;
    expect(api).to.deep.include({
      types: ['A', 'AAAA'],
      cnameTargets: ['edge.cdn.example'],
      ipv4: ['127.0.10.202'],
      ipv6: ['fd00::202'],
      queries: 2,
    });
    expect(built.allowlist.allowed).to.deep.equal(['api.sim.example', 'edge.cdn.example', 'time.sim.example']);
    expect(built.allowlist.unresolved.map((n) => n.name)).to.deep.equal([
      'cloud.sim.example',
      'gone.sim.example',
      'lure.canary.example',
    ]);
    expect(built.list).to.equal('api.sim.example\nedge.cdn.example\ntime.sim.example\n');
  });

  it('writes a MUD file that passes the RFC 8520 schema, with one accepting ACE per name and direction', () => {
    expect(mudProblems(built.mud)).to.deep.equal([]);
    expect(built.mud['ietf-mud:mud']['mud-url']).to.equal('https://mud.sim.example/fixture.json');
    const acls = built.mud['ietf-access-control-list:acls'].acl!;
    expect(acls.map((a) => a.name)).to.deep.equal([
      'from-ipv4-fixture-dut',
      'to-ipv4-fixture-dut',
      'from-ipv6-fixture-dut',
      'to-ipv6-fixture-dut',
    ]);
    expect(acls[0]!.aces!.ace!.map((ace) => ace.matches!.ipv4!['ietf-acldns:dst-dnsname'])).to.deep.equal([
      'api.sim.example',
      'time.sim.example',
    ]);
    expect(acls[2]!.aces!.ace!.map((ace) => ace.matches!.ipv6!['ietf-acldns:dst-dnsname'])).to.deep.equal([
      'api.sim.example',
    ]);
  });

  it('rejects a MUD file that breaks the YANG model, naming the place', () => {
    const broken = structuredClone(built.mud) as unknown as Record<string, Record<string, unknown>>;
    broken['ietf-mud:mud']!['cache-validity'] = 500;
    broken['ietf-mud:mud']!['mud-url'] = 'http://insecure.example/x.json';
    expect(mudProblems(broken).join('\n'))
      .to.match(/\/ietf-mud:mud\/cache-validity/)
      .and.match(/\/ietf-mud:mud\/mud-url/);
    const dangling = structuredClone(built.mud);
    dangling['ietf-mud:mud']['from-device-policy']!['access-lists']!['access-list']!.push({ name: 'no-such-acl' });
    expect(mudProblems(dangling)).to.deep.equal([
      '/ietf-mud:mud/from-device-policy/access-lists/access-list/2/name: "no-such-acl" names no ACL in /ietf-access-control-list:acls/acl (leafref)',
    ]);
    const bothVersions = structuredClone(built.mud);
    bothVersions['ietf-access-control-list:acls'].acl![0]!.aces!.ace![0]!.matches!.ipv6 = {
      'ietf-acldns:dst-dnsname': 'x.example',
    };
    expect(mudProblems(bothVersions).length).to.be.greaterThan(0);
    // acls may hold no acl list at all (RFC 8519): a policy naming one is then a dangling leafref, not a crash.
    const noAcls = structuredClone(built.mud);
    noAcls['ietf-access-control-list:acls'] = {};
    expect(mudProblems(noAcls)).to.include(
      '/ietf-mud:mud/from-device-policy/access-lists/access-list/0/name: "from-ipv4-fixture-dut" names no ACL in /ietf-access-control-list:acls/acl (leafref)',
    );
  });

  it('writes an RPZ zone passing the allowed names and refusing everything else, also beside and below them', () => {
    expect(built.rpz).to.include('$ORIGIN allow.fixture-dut.rpz.dnsconform.\n');
    expect(built.rpz)
      .to.include('time.sim.example CNAME rpz-passthru.\n')
      .and.include('edge.cdn.example CNAME rpz-passthru.\n');
    expect(built.rpz)
      .to.include('*.sim.example CNAME .\n')
      .and.include('*.time.sim.example CNAME .\n')
      .and.include('\n* CNAME .\n');
    expect(built.rpz).not.to.include('lure');
    expect(refusingWildcards(['a.b.c'])).to.deep.equal(['a.b.c', 'b.c', 'c']);
  });

  it('needs a MUD URL, one device, and an https URL', () => {
    expect(() => buildAllowlist([allowlistFixtureRun(null)])).to.throw(
      AllowlistInputError,
      /no \/dut\/mudUrl and --mud-url was not given/,
    );
    expect(() => buildAllowlist([allowlistFixtureRun()], 'ftp://x')).to.throw(AllowlistInputError, /not an https URL/);
    const other = allowlistFixtureRun();
    other.report = { ...other.report, dut: { ...other.report.dut, id: 'other' } };
    expect(() => buildAllowlist([allowlistFixtureRun(), other])).to.throw(AllowlistInputError, /different devices/);
  });
});
