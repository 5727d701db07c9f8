import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BuildRig } from '../helpers/build-rig.js';
import { runCliToEnd } from '../helpers/cli-process.js';
import { EngineProxy } from '../helpers/engine-proxy.js';
import { engineRigs } from '../helpers/engine-rigs.js';
import { FIRST_ENGINE } from '../helpers/second-engine.js';
import { tempDir } from '../helpers/temp-dir.js';
import { makeEngineCerts, type EngineCerts } from '../helpers/tls-certs.js';

/**
 * An engine reached over TCP with TLS and client certificates (`dockerd --tlsverify`): a TLS
 * proxy in front of the shared engine's socket. Every way the tool talks to an engine goes
 * through it: image lookups, and BuildKit's session and build request on connections of their
 * own, with the certificates of DOCKER_CERT_PATH or of a `certPath`.
 */
const rigs = engineRigs('tls');
let certs: EngineCerts;
let proxy: EngineProxy;
before(async () => {
  certs = makeEngineCerts(await tempDir());
  proxy = await EngineProxy.start(FIRST_ENGINE.slice('unix://'.length), { tls: certs.server });
});
after(() => proxy?.stop());

/** A service whose build needs BuildKit's session (a secret mount) all through its build. */
const dockerfile = (name: string) =>
  `FROM busybox\nRUN --mount=type=secret,id=token test -s /run/secrets/token && echo ${name}-${process.pid}-${randomUUID()} > /id\n`;

/** Each service names the secret `token`, which the build config reads from TCI_TLS_TOKEN. */
function withSecret(r: BuildRig): void {
  appendFileSync(r.configPath, 'secrets:\n  token: !env TCI_TLS_TOKEN\n');
  const buildYml = join(r.specDir, 'build.yml');
  writeFileSync(
    buildYml,
    readFileSync(buildYml, 'utf8').replace(
      /buildType: docker\n/g,
      'buildType: docker\n      secrets: [token]\n',
    ),
  );
}

describe('a TLS engine', () => {
  for (const host of ['localhost', '127.0.0.1']) {
    test(`over tcp://${host} with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH: lookups, session and build go through TLS`, async () => {
      const r = rigs.rig(2, dockerfile);
      withSecret(r);
      proxy.reset();
      const o = await runCliToEnd(r.buildArgs('--engine', `tcp://${host}:${proxy.port}`), {
        env: { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs.clientDir, TCI_TLS_TOKEN: 'x' },
      });
      assert.equal(o.code, 0, o.stderr);
      assert.deepEqual(
        o.events.filter((e) => e.kind === 'plan-decided').map((e) => e['action']),
        ['build', 'build'],
      );
      const sorted = [...proxy.requests].sort();
      assert.equal(sorted.filter((q) => q === 'POST /session').length, 2, sorted.join('\n'));
      assert.equal(sorted.filter((q) => q.startsWith('POST /build?')).length, 2, sorted.join('\n'));
    });
  }

  test('a certPath in the build config; without TLS the same engine is named as not answering', async () => {
    const r = rigs.rig(1, dockerfile);
    withSecret(r);
    const endpoint = `tcp://localhost:${proxy.port}`;
    appendFileSync(
      r.configPath,
      `engines:\n  - {endpoint: "${endpoint}", certPath: ${JSON.stringify(certs.clientDir)}}\n`,
    );
    const o = await runCliToEnd(r.buildArgs(), { env: { TCI_TLS_TOKEN: 'x' } });
    assert.equal(o.code, 0, o.stderr);

    // The same engine without TLS: the engine answers nothing a client could read as HTTP.
    const plain = await runCliToEnd(r.buildArgs('--no-cache', '--engine', endpoint), {
      env: { TCI_TLS_TOKEN: 'x' },
    });
    assert.equal(plain.code, 1, plain.stderr);
    assert.match(
      plain.stderr,
      new RegExp(`cannot reach the Docker daemon at ${endpoint.replace(/\./g, '\\.')}`),
    );
  });
});
