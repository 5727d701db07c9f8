import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCliToEnd, type JsonEvent } from '../helpers/cli-process.js';
import { engineRigs } from '../helpers/engine-rigs.js';
import { FIRST_ENGINE, SECOND_ENGINE } from '../helpers/second-engine.js';
import { requireSshd, startSshServer, type TestSshServer } from '../helpers/ssh-server.js';

/**
 * An ssh:// engine, through a private sshd on loopback whose `docker system dial-stdio` reaches
 * the first engine. The tool runs the `ssh` found on PATH (here a wrapper naming the test's key
 * and known_hosts, as a user's ~/.ssh/config would), so host keys are checked as ssh checks them.
 */
let sshd: TestSshServer;
const rigs = engineRigs('ssh');
before(async () => {
  requireSshd();
  sshd = await startSshServer();
});
after(() => sshd?.stop());

const rig = (count: number) =>
  rigs.rig(count, (name) => `FROM busybox\nRUN echo ${name}-${process.pid} > /id && sleep 1\n`);

const chosen = (events: JsonEvent[]) =>
  events.filter((e) => e.kind === 'engine-chosen').map((e) => String(e['engine']));

describe('an ssh:// engine', () => {
  it('builds through ssh and docker system dial-stdio, and the release names it', async () => {
    const r = rig(4);
    const o = await runCliToEnd(
      r.buildArgs('--engine', SECOND_ENGINE, '--engine', `${sshd.endpoint},concurrency=1`),
      { env: sshd.env },
    );
    assert.equal(o.code, 0, o.stderr);
    const viaSsh = r
      .release()
      .build.repositories.filter((repo) => (repo['service'] as { engine?: string }).engine === sshd.endpoint);
    assert.ok(viaSsh.length >= 1, `engines chosen: ${chosen(o.events).join(', ')}`);
    // Behind this ssh engine is the first engine: that is where those images now are.
    for (const repo of viaSsh) {
      const tag = (repo['service'] as { dockerImage: string }).dockerImage;
      assert.ok(r.images().includes(tag), `${tag} is on the engine behind ssh (${FIRST_ENGINE})`);
    }
  });

  it('whose host key is not the known one is refused, left out with one warning', async () => {
    const r = rig(2);
    const o = await runCliToEnd(r.buildArgs('--engine', SECOND_ENGINE, '--engine', sshd.endpoint), {
      env: sshd.wrongHostKeyEnv,
    });
    assert.equal(o.code, 0, o.stderr);
    const warnings = o.events.filter((e) => e.kind === 'warning').map((e) => String(e['message']));
    assert.deepEqual(
      warnings.filter((w) => w.includes(sshd.endpoint)),
      [
        `engine ${sshd.endpoint} stopped answering (ssh ended with 255: Host key verification failed.): it is out of this build, its work goes to ${SECOND_ENGINE}`,
      ],
    );
    assert.deepEqual([...new Set(chosen(o.events))], [SECOND_ENGINE]);
  });
});
