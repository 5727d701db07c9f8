import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { openBuildkitSession } from '../../src/build-types/docker/buildkit-session.js';
import { sshDialAgent } from '../../src/builder/engines/ssh-dial-agent.js';
import { UserError } from '../../src/core/user-error.js';
import { ensureBusyboxImage } from '../helpers/base-images.js';
import { BuildkitRig } from '../helpers/buildkit-rig.js';
import { EngineProxy } from '../helpers/engine-proxy.js';
import { removeImages } from '../helpers/remove-images.js';
import { requireSshd, startSshServer, type TestSshServer } from '../helpers/ssh-server.js';

/**
 * The session is one long-lived connection the engine hijacks and calls back on. These tests
 * keep it alive past the engine's health checks and open it through every transport an engine
 * can be reached by: unix socket, tcp://, and ssh:// (`ssh … docker system dial-stdio`).
 */
let rig: BuildkitRig;
let busybox: string;
let proxy: EngineProxy;
let sshd: TestSshServer;
before(async () => {
  busybox = ensureBusyboxImage();
  rig = await BuildkitRig.create('session');
  proxy = await EngineProxy.start('/var/run/docker.sock');
  requireSshd();
  sshd = await startSshServer();
});
after(async () => {
  removeImages(`${rig.prefix}/*`);
  await proxy?.stop();
  await sshd?.stop();
});

const secretDockerfile = (tag: string) =>
  `FROM ${busybox}\nRUN --mount=type=secret,id=token echo "${tag} $(cat /run/secrets/token | wc -c)" > /out\n`;

describe('a BuildKit session', () => {
  it('stays open past the engine’s health checks: a secret mounted after 12 s of work is served', async () => {
    rig.write({
      Dockerfile: `FROM ${busybox}\nRUN sleep 12 && echo ${randomUUID()}\nRUN --mount=type=secret,id=token wc -c < /run/secrets/token > /n\n`,
    });
    const b = await rig.build('slow', { secrets: new Map([['token', Buffer.from('12345')]]) });
    assert.equal(b.error, undefined, String(b.error));
    assert.equal(rig.run('slow', ['cat', '/n']).trim(), '5');
  });

  it('works through a tcp:// engine', async () => {
    const tag = `tcp-${randomUUID()}`;
    rig.write({ Dockerfile: secretDockerfile(tag) });
    proxy.reset();
    const b = await rig.build('tcp', {
      dial: () => connect(proxy.port, '127.0.0.1'),
      secrets: new Map([['token', Buffer.from('123')]]),
    });
    assert.equal(b.error, undefined, String(b.error));
    assert.deepEqual(
      proxy.requests.map((r) => r.replace(/\?.*/, '')),
      ['POST /session', 'POST /build'],
    );
    assert.equal(rig.run('tcp', ['cat', '/out']), `${tag} 3\n`);
  });

  it('works through an ssh:// engine', async () => {
    const tag = `ssh-${randomUUID()}`;
    rig.write({ Dockerfile: secretDockerfile(tag) });
    const path = process.env['PATH'];
    process.env['PATH'] = sshd.env['PATH'];
    try {
      const url = new URL(sshd.endpoint);
      const agent = sshDialAgent({
        host: url.hostname,
        port: Number(url.port),
        user: 'root',
        id: sshd.endpoint,
      });
      const b = await rig.build('ssh', {
        dial: () => agent.createConnection({}) as never,
        secrets: new Map([['token', Buffer.from('1234')]]),
      });
      assert.equal(b.error, undefined, String(b.error));
    } finally {
      process.env['PATH'] = path;
    }
    assert.equal(rig.run('ssh', ['cat', '/out']), `${tag} 4\n`);
  });

  it('can be closed as soon as it is open (a build refused at once) without crashing the process', async () => {
    for (let i = 0; i < 5; i++) {
      const session = await openBuildkitSession({ dial: () => connect('/var/run/docker.sock') });
      session.close();
    }
    // The HTTP/2 layer reads the engine's first frames a tick after the upgrade: give it that.
    await new Promise((r) => setTimeout(r, 200));
  });

  it('refused by an engine without sessions is an error that says so', async () => {
    // What an engine older than 18.09 answers: no /session endpoint.
    const old = createServer((_req, res) => {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end('{"message":"page not found"}\n');
    });
    await new Promise<void>((r) => old.listen(0, '127.0.0.1', r));
    try {
      const port = (old.address() as AddressInfo).port;
      rig.write({ Dockerfile: `FROM ${busybox}\n` });
      const b = await rig.build('old', { dial: () => connect(port, '127.0.0.1') });
      assert.ok(b.error instanceof UserError, String(b.error));
      assert.deepEqual(b.error.problems, [
        {
          message:
            'service "old": docker build failed: the engine opens no BuildKit session (the engine answered POST /session with HTTP 404: page not found)',
          hint: 'BuildKit through the Engine API needs Docker Engine 18.09 or later; build this service with the legacy builder: builder: legacy on the service, or docker.builder: legacy in the build config',
        },
      ]);
    } finally {
      old.closeAllConnections();
      await new Promise((r) => old.close(r));
    }
  });
});
