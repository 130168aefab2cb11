import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  LAB_CA_CERT_FILE,
  LAB_CA_KEY_FILE,
  ensureLabServerCertificate,
  resolverTlsCredentials,
} from './lab-certificate.ts';

describe('resolver/lab-certificate', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dnsconform-labcert-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('issues a server certificate that openssl verifies against the lab CA, for the names and IPs asked', async () => {
    const issued = await ensureLabServerCertificate(dir, {
      names: ['dns.lab.test'],
      addresses: ['127.0.53.41', '::1'],
    });
    expect(statSync(join(dir, LAB_CA_KEY_FILE)).mode & 0o777).to.equal(0o600);
    const verify = execFileSync('openssl', ['verify', '-CAfile', join(dir, LAB_CA_CERT_FILE), issued.certFile], {
      encoding: 'utf8',
    });
    expect(verify).to.contain(': OK');
    const text = execFileSync(
      'openssl',
      ['x509', '-in', issued.certFile, '-noout', '-ext', 'subjectAltName,extendedKeyUsage'],
      { encoding: 'utf8' },
    );
    expect(text)
      .to.contain('DNS:dns.lab.test')
      .and.contain('IP Address:127.0.53.41')
      .and.contain('IP Address:0:0:0:0:0:0:0:1');
    expect(text).to.contain('TLS Web Server Authentication');
    expect(issued.certPem.endsWith(issued.caCertPem)).to.equal(true, 'the chain ends with the CA');
  });

  it('reuses the CA and the server certificate across runs, and issues another one for another identity', async () => {
    const first = await ensureLabServerCertificate(dir, { names: ['dns.lab.test'], addresses: ['127.0.53.41'] });
    const again = await ensureLabServerCertificate(dir, { names: ['dns.lab.test'], addresses: ['127.0.53.41'] });
    expect(again).to.deep.equal(first);
    const other = await ensureLabServerCertificate(dir, { names: ['dns.lab.test'], addresses: ['127.0.53.42'] });
    expect(other.certFile).to.not.equal(first.certFile);
    expect(other.caCertPem).to.equal(first.caCertPem);
    expect(readdirSync(dir).filter((f) => f.endsWith('.cert.pem'))).to.have.length(3);
  });

  it('needs no certificate for a resolver without encrypted listeners, and covers every listen address otherwise', async () => {
    expect(await resolverTlsCredentials(dir, [{ transport: 'udp', address: '127.0.53.41', port: 53 }])).to.equal(
      undefined,
    );
    expect(readdirSync(dir)).to.have.length(0);
    const tls = await resolverTlsCredentials(
      dir,
      [
        { transport: 'udp', address: '127.0.53.41', port: 53 },
        { transport: 'dot', address: '127.0.53.43', port: 853 },
      ],
      'resolver.lab.test',
    );
    const text = execFileSync('openssl', ['x509', '-noout', '-ext', 'subjectAltName'], {
      input: tls!.certPem,
      encoding: 'utf8',
    });
    expect(text)
      .to.contain('DNS:resolver.lab.test')
      .and.contain('IP Address:127.0.53.41')
      .and.contain('IP Address:127.0.53.43');
    expect(readFileSync(join(dir, LAB_CA_CERT_FILE), 'utf8')).to.equal(tls!.caCertPem);
  });

  it('refuses an address that is not an IP', async () => {
    await ensureLabServerCertificate(dir, { names: ['x.test'], addresses: ['not-an-ip'] }).then(
      () => expect.fail('accepted a non-IP address'),
      (error: Error) => expect(error.message).to.match(/not IP addresses: not-an-ip/),
    );
  });
});
