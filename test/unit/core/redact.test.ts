import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Redactor } from '../../../src/core/redact.js';

describe('Redactor', () => {
  it('masks every secret, as it is and URI-encoded, wherever it stands', () => {
    const r = new Redactor();
    r.add('s3cr3t/token+x');
    r.add('abc');
    assert.equal(
      r.redact(
        's3cr3t/token+x at the start, https://u:s3cr3t%2Ftoken%2Bx@host and at the end s3cr3t/token+x',
      ),
      '*** at the start, https://u:***@host and at the end ***',
    );
    assert.equal(r.redact('abc is too short to be a secret'), 'abc is too short to be a secret');
    assert.equal(r.redact('nothing here'), 'nothing here');
  });

  it('masks the whole of the longer of two secrets that start alike, and ones that overlap', () => {
    const r = new Redactor();
    r.add('password');
    r.add('password-and-more');
    r.add('more-tail');
    assert.equal(r.redact('[password-and-more] [password] [more-tail]'), '[***] [***] [***]');
  });

  it('masks the lines of a large secret file among thousands of others', () => {
    const r = new Redactor();
    const lines = Array.from(
      { length: 3500 },
      (_, i) => `MIIF${i.toString(36).padStart(8, 'q')}base64line${i}`,
    );
    for (const l of lines) r.add(l);
    assert.equal(r.redact(`npm printed ${lines[2718]} and ${lines[0]}.`), 'npm printed *** and ***.');
    assert.equal(r.redact('an ordinary line of npm output'), 'an ordinary line of npm output');
  });
});
