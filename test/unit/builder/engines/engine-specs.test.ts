import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveEngineSpecs, type EngineSources } from '../../../../src/builder/engines/engine-specs.js';
import { formatProblem } from '../../../../src/core/problem.js';
import { UserError } from '../../../../src/core/user-error.js';

const base: EngineSources = { flags: [], config: [], env: {}, concurrency: 3 };

function refusal(src: Partial<EngineSources>): { exitCode: number; problems: string[] } {
  try {
    resolveEngineSpecs({ ...base, ...src });
  } catch (e) {
    assert.ok(e instanceof UserError);
    return { exitCode: e.exitCode, problems: e.problems.map(formatProblem) };
  }
  return assert.fail('expected a refusal');
}

const summary = (src: Partial<EngineSources>) =>
  resolveEngineSpecs({ ...base, ...src }).map((s) => `${s.endpoint.id} x${s.concurrency}`);

test('no --engine and no engines: the one engine of DOCKER_HOST, at --concurrency', () => {
  assert.deepEqual(summary({}), ['unix:///var/run/docker.sock x3']);
  assert.deepEqual(summary({ env: { DOCKER_HOST: 'tcp://10.1.2.3:2375' } }), ['tcp://10.1.2.3:2375 x3']);
});

test('--engine values, with ,concurrency=N, replace the config list', () => {
  const config = [{ endpoint: 'tcp://from-config:2375', file: 'b.yml', path: 'engines[0]' }];
  assert.deepEqual(summary({ flags: ['unix:///var/run/docker.sock', 'ssh://ci@b2,concurrency=8'], config }), [
    'unix:///var/run/docker.sock x3',
    'ssh://ci@b2 x8',
  ]);
  assert.deepEqual(
    summary({
      config: [...config, { endpoint: 'tcp://b3', concurrency: 1, file: 'b.yml', path: 'engines[1]' }],
    }),
    ['tcp://from-config:2375 x3', 'tcp://b3:2375 x1'],
  );
});

test('bad --engine values are usage errors naming the flag, all at once', () => {
  assert.deepEqual(
    refusal({
      flags: [
        'ssh://ci:hunter2@b0',
        'builder:2375',
        'tcp://b1,concurrency=0',
        'tcp://b1,cpus=2',
        'tcp://b2',
        'tcp://b2:2375',
      ],
    }),
    {
      exitCode: 2,
      problems: [
        '--engine ssh://ci:***@b0: must not hold a password (hint: ssh engines log in with your ssh keys or ssh-agent, like the docker CLI)',
        '--engine builder:2375: the scheme "builder" is not supported (hint: use unix:///path/to/docker.sock, tcp://host:port or ssh://user@host[:port])',
        '--engine tcp://b1,concurrency=0: concurrency must be a whole number, 1 or more',
        '--engine tcp://b1,cpus=2: unknown option "cpus=2" (hint: the only option is ,concurrency=N)',
        '--engine tcp://b2:2375: engine tcp://b2:2375 is given twice (hint: give each engine once; its concurrency says how many builds it takes at once)',
      ],
    },
  );
});

test('bad config entries name the file, line and entry; missing certificates say where they were looked for', () => {
  assert.deepEqual(
    refusal({
      config: [
        { endpoint: 'ssh://ci:pw@b1', file: 'build-config.yml', line: 2, path: 'engines[0]' },
        {
          endpoint: 'tcp://b2',
          certPath: '/nonexistent/certs',
          file: 'build-config.yml',
          line: 3,
          path: 'engines[1]',
        },
      ],
    }),
    {
      exitCode: 1,
      problems: [
        'build-config.yml:2: engines[0]: engine ssh://ci:***@b1: must not hold a password (hint: ssh engines log in with your ssh keys or ssh-agent, like the docker CLI)',
        'build-config.yml:3: engines[1]: engine tcp://b2: cannot read the TLS certificates (ca.pem, cert.pem, key.pem) from /nonexistent/certs (ENOENT)',
      ],
    },
  );
});
