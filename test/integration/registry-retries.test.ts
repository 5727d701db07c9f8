import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import { connectDockerEngine } from '../../src/builder/engines/connect-docker-engine.js';
import { headManifest } from '../../src/builder/registry/head-manifest.js';
import type { ImageRef } from '../../src/inputs/types.js';
import { ensureBusyboxImage } from '../helpers/base-images.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

/**
 * A fault-injecting proxy in front of the real registry: it answers 503 to the next
 * `failures` requests, then forwards everything.
 */
let registry: TestRegistry;
let proxy: Server;
let proxyHost: string;
let failures = 0;
let seen = 0;
let pushedRef: ImageRef;
let digest: string;

before(async () => {
  registry = await startRegistry();
  const ref = `${registry.host}/tci-${process.pid}/retry:v1` as ImageRef;
  execFileSync('docker', ['tag', ensureBusyboxImage(), ref]);
  digest = await connectDockerEngine().push(ref, undefined, () => {});
  execFileSync('docker', ['rmi', ref], { stdio: 'ignore' });
  const [host, port] = registry.host.split(':') as [string, string];
  proxy = createServer((req, res) => {
    seen++;
    if (failures > 0) {
      failures--;
      res.writeHead(503).end('unavailable');
      return;
    }
    const upstream = request(
      { host, port: Number(port), path: req.url, method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    req.pipe(upstream);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const addr = proxy.address();
  proxyHost = `127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  pushedRef = `${proxyHost}/tci-${process.pid}/retry:v1` as ImageRef;
});

after(async () => {
  await new Promise((r) => proxy.close(r));
  await registry.stop();
});

test('503 answers are retried, and the answer after them counts', async () => {
  failures = 2;
  seen = 0;
  assert.equal(await headManifest(pushedRef, undefined, { retries: 3, backoffMs: 5 }), digest);
  assert.equal(seen, 3);
});

test('a registry that keeps failing is reported after the retries, naming it', async () => {
  failures = 100;
  seen = 0;
  await assert.rejects(() => headManifest(pushedRef, undefined, { retries: 2, backoffMs: 5 }), {
    name: 'UserError',
    message: `registry ${proxyHost} answered HTTP 503, 3 attempts (hint: check that the registry is running and reachable from here)`,
  });
  assert.equal(seen, 3);
  failures = 0;
});
