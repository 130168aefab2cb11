import { expect } from 'chai';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeTempDirs, tempDir } from '../fixtures/sample-run.ts';
import { ChromiumNotFoundError, findChromium } from './find-chromium.ts';

describe('report/pdf/findChromium', () => {
  after(removeTempDirs);

  it('takes $DNSCONFORM_CHROMIUM first, then the first executable candidate', () => {
    const dir = tempDir('chromium');
    const fake = join(dir, 'chromium');
    writeFileSync(fake, '#!/bin/sh\n');
    chmodSync(fake, 0o755);
    const notExecutable = join(dir, 'plain');
    writeFileSync(notExecutable, '');
    expect(findChromium({ DNSCONFORM_CHROMIUM: fake }, [])).to.equal(fake);
    expect(findChromium({}, [join(dir, 'missing'), notExecutable, fake])).to.equal(fake);
  });

  it('says how to install Chromium when there is none, and names a wrong $DNSCONFORM_CHROMIUM', () => {
    expect(() => findChromium({}, ['/nonexistent/chromium'])).to.throw(
      ChromiumNotFoundError,
      /apt-get install chromium/,
    );
    expect(() => findChromium({ DNSCONFORM_CHROMIUM: '/nonexistent/chrome' })).to.throw(
      ChromiumNotFoundError,
      /\$DNSCONFORM_CHROMIUM is \/nonexistent\/chrome/,
    );
  });
});
