import { expect } from 'chai';
import { normaliseName } from './names.ts';

describe('dns names: one normal form for comparison', () => {
  it('folds case (RFC 4343) and drops the trailing dot of the fully qualified form', () => {
    expect(normaliseName('API.Example.')).to.equal('api.example');
    expect(normaliseName('api.example')).to.equal('api.example');
  });
  it('keeps the root as the empty name and leaves inner dots alone', () => {
    expect(normaliseName('.')).to.equal('');
    expect(normaliseName('a..b')).to.equal('a..b');
  });
});
