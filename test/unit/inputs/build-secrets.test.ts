import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadServiceSecrets } from '../../../src/inputs/build-secrets.js';
import { Redactor } from '../../../src/core/redact.js';
import { UserError } from '../../../src/core/user-error.js';

describe('loadServiceSecrets', () => {
  it('gives a service only the secrets it names, values and files alike, and masks them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tci-secrets-'));
    writeFileSync(join(dir, 'netrc'), 'machine example.com\nlogin me\npassword hunter22\n');
    const redactor = new Redactor();
    const loaded = await loadServiceSecrets(
      [
        { service: 'api', index: 2, ids: ['npm-token', 'netrc'] },
        { service: 'web', index: 3, ids: [] },
      ],
      { 'npm-token': 'tok-123456', netrc: { file: join(dir, 'netrc') }, unused: 'not-for-api' },
      { redactor },
    );
    assert.deepEqual([...(loaded.get('web')?.keys() ?? [])], []);
    const values = loaded.get('api') ?? new Map<string, Buffer>();
    assert.deepEqual([...values.keys()], ['npm-token', 'netrc']);
    assert.equal(values.get('npm-token')?.toString(), 'tok-123456');
    assert.equal(values.get('netrc')?.toString(), 'machine example.com\nlogin me\npassword hunter22\n');
    assert.equal(
      redactor.redact('a tok-123456 b password hunter22 c not-for-api'),
      'a *** b *** c not-for-api',
    );
  });

  it('reports every unknown id and unreadable file of every service at once, naming file, service, id and path, never a value', async () => {
    const err = await loadServiceSecrets(
      [
        { service: 'api', index: 3, ids: ['npm-token', 'missing', 'netrc'] },
        { service: 'web', index: 5, ids: ['gone'] },
      ],
      { 'npm-token': 'tok-123456', netrc: { file: '/nonexistent/tci/netrc' } },
      { file: 'spec/build.yml', lineOf: (path) => (path[1] === 5 ? 42 : undefined) },
    ).catch((e: unknown) => e);
    assert.ok(err instanceof UserError);
    assert.deepEqual(err.problems, [
      {
        file: 'spec/build.yml',
        path: 'repositories[3].service.secrets[1]',
        message: `service "api" names the secret "missing", which the build config's secrets do not have`,
        hint: 'its secrets: npm-token, netrc',
      },
      {
        file: 'spec/build.yml',
        path: 'repositories[3].service.secrets[2]',
        message: 'service "api": the secret "netrc" cannot be read from /nonexistent/tci/netrc (ENOENT)',
      },
      {
        file: 'spec/build.yml',
        line: 42,
        path: 'repositories[5].service.secrets[0]',
        message: `service "web" names the secret "gone", which the build config's secrets do not have`,
        hint: 'its secrets: npm-token, netrc',
      },
    ]);
    assert.ok(!err.message.includes('tok-123456'));
  });
});
