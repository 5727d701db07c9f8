import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  keptRemovals,
  runCodeStep,
  type CodeStepRuntime,
} from '../../src/builder/containers/run-code-step.js';
import { connectDockerEngine } from '../../src/builder/engines/connect-docker-engine.js';
import { Redactor } from '../../src/core/redact.js';
import { buildAppService } from '../helpers/app-build.js';
import { ensureBusyboxImage, ensureNodeImage } from '../helpers/base-images.js';
import { imageFromDocker } from '../helpers/image-source.js';
import { NodeApps } from '../helpers/node-app.js';
import { removeImages } from '../helpers/remove-images.js';
import { tempDir } from '../helpers/temp-dir.js';

// A code step's log file is written from what its container prints: whatever the build knows to
// be secret (an `!env` value, a secret file, a registry password) is masked there as it is in
// events and errors, on the Docker engine and with runc.

const dir = await tempDir('tci-step-masks-');
const prefix = `tci-test-step-masks-${process.pid}/`;
const token = `tci-env-token-${randomUUID()}`;
after(() => removeImages(`${prefix}*`));

describe('a node service whose env reads a token with !env', () => {
  before(() => ensureNodeImage());

  it('builds, and its build log shows the mask where the scripts printed the token', async () => {
    const apps = new NodeApps(dir);
    const repo = apps.app(
      'app',
      {
        scripts: {
          // The project's own install script runs at each install (the dependency step's, the build step's).
          postinstall: 'echo "postinstall sees $TOKEN"',
          build: 'node build.js',
          start: 'node server.js',
        },
      },
      {
        'build.js': 'console.log(`registry: https://ci:${process.env.TOKEN}@registry.example/`);\n',
        'server.js': "console.log('hello');\n",
      },
    );
    const { logFile } = await buildAppService({
      dir: join(dir, 'build'),
      name: 'app',
      repo,
      service: '{buildType: node, node: "20", buildScript: build, env: {TOKEN: !env TCI_TEST_STEP_TOKEN}}',
      prefix,
      env: { ...process.env, TCI_TEST_STEP_TOKEN: token },
    });
    const log = await readFile(logFile, 'utf8');
    assert.ok(!log.includes(token), `the token is in ${logFile}`);
    assert.match(log, /^postinstall sees \*\*\*$/m);
    assert.match(log, /^registry: https:\/\/ci:\*\*\*@registry\.example\/$/m);
  });
});

describe("a code step's log file", () => {
  let busybox: string;
  before(() => {
    busybox = ensureBusyboxImage();
  });

  /** Runs a step printing the token on the runtime `engineUp` picks; the log file's text. */
  async function stepLog(engineUp: boolean): Promise<string> {
    const redactor = new Redactor();
    redactor.add(token);
    const runtime: CodeStepRuntime = {
      engine: connectDockerEngine(),
      engineUnreachable: async () => (engineUp ? undefined : 'this test uses runc'),
      engineImage: async (ref) => ref,
      imageSource: async (ref) => await imageFromDocker(ref),
      runcStateDir: join(dir, 'runc'),
      scratchDir: await tempDir('tci-step-masks-scratch-'),
      redact: (text) => redactor.redact(text),
      ...keptRemovals(),
    };
    const logFile = join(dir, 'logs', `${engineUp ? 'engine' : 'runc'}.log`);
    await runCodeStep(
      {
        image: busybox,
        // Printed in pieces, as a slow writer would: the mask works on whole lines.
        cmd: ['sh', '-c', 'printf "token=%s" "${TOKEN%??????}"; sleep 0.2; echo "${TOKEN#${TOKEN%??????}}"'],
        env: { TOKEN: token },
        workingDir: '/',
        folders: [],
        label: 'service "app": a step',
      },
      { logFile, onLine: () => undefined, signal: new AbortController().signal },
      runtime,
    );
    await runtime.settle();
    return await readFile(logFile, 'utf8');
  }

  for (const engineUp of [true, false]) {
    it(`masks what the build's redactor knows (${engineUp ? 'Docker engine' : 'runc'})`, async () => {
      const log = await stepLog(engineUp);
      assert.ok(!log.includes(token), log);
      // runc's log also says which layers it unpacked; the step's own line comes last.
      assert.equal(log.split('\n').at(-2), 'token=***');
    });
  }
});
