import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadBuildSecrets } from '../../../../src/build-types/docker/buildkit-secrets.js';
import { Redactor } from '../../../../src/core/redact.js';
import { UserError } from '../../../../src/core/user-error.js';

describe('loadBuildSecrets', () => {
  it('gives a service only the secrets it names, values and files alike, and masks them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tci-secrets-'));
    writeFileSync(join(dir, 'netrc'), 'machine example.com\nlogin me\npassword hunter22\n');
    const redactor = new Redactor();
    const values = await loadBuildSecrets(
      { service: 'api', index: 2, ids: ['npm-token', 'netrc'] },
      { 'npm-token': 'tok-123456', netrc: { file: join(dir, 'netrc') }, unused: 'not-for-api' },
      redactor,
    );
    assert.deepEqual([...values.keys()], ['npm-token', 'netrc']);
    assert.equal(values.get('npm-token')?.toString(), 'tok-123456');
    assert.equal(values.get('netrc')?.toString(), 'machine example.com\nlogin me\npassword hunter22\n');
    assert.equal(
      redactor.redact('a tok-123456 b password hunter22 c not-for-api'),
      'a *** b *** c not-for-api',
    );
  });

  it('reports every unknown id and unreadable file at once, naming service, id and file, never a value', async () => {
    const err = await loadBuildSecrets(
      { service: 'api', index: 3, ids: ['npm-token', 'missing', 'netrc'] },
      { 'npm-token': 'tok-123456', netrc: { file: '/nonexistent/tci/netrc' } },
    ).catch((e: unknown) => e);
    assert.ok(err instanceof UserError);
    assert.deepEqual(err.problems, [
      {
        path: 'repositories[3].service.secrets[1]',
        message: `service "api" names the secret "missing", which the build config's secrets do not have`,
        hint: 'its secrets: npm-token, netrc',
      },
      {
        path: 'repositories[3].service.secrets[2]',
        message: 'service "api": the secret "netrc" cannot be read from /nonexistent/tci/netrc (ENOENT)',
      },
    ]);
    assert.ok(!err.message.includes('tok-123456'));
  });
});
