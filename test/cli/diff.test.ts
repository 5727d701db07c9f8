import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, test } from 'node:test';
import {
  b64,
  release1Resources,
  release2Resources,
  TOKEN_NEW,
  TOKEN_OLD,
  writeRelease,
} from '../helpers/lifecycle-release.js';
import { runCli, type CliResult } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

let dir: string;
let r1: string;
let r2: string;
let out1: string;
let out2: string;
before(async () => {
  dir = await tempDir();
  r1 = await writeRelease(dir, 'r1', release1Resources());
  r2 = await writeRelease(dir, 'r2', release2Resources());
  out1 = join(dir, 'out1');
  out2 = join(dir, 'out2');
  for (const [release, out] of [
    [r1, out1],
    [r2, out2],
  ] as const) {
    const r = await runCli(['deploy', release, out], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
  }
});

const EXPECTED_DIFF =
  '~ Deployment-web.json (Deployment apps/web)\n' +
  '    spec.template.spec.containers[name=web].env[name=MODE].value: "a" -> "b"\n' +
  '- Deployment-worker.json (Deployment apps/worker)\n' +
  '~ Secret-creds.json (Secret apps/creds)\n' +
  '    data.token: changed (Secret value not shown)\n' +
  '0 added, 1 removed, 2 changed, 2 unchanged\n';

function assertNoSecretValue(r: CliResult): void {
  for (const value of [TOKEN_OLD, TOKEN_NEW, b64(TOKEN_OLD), b64(TOKEN_NEW)])
    assert.ok(!(r.stdout + r.stderr).includes(value), `the Secret value ${value} was printed`);
}

test('diff of two releases: exactly the dropped Deployment, the env value and the Secret key; exit 1', async () => {
  const r = await runCli(['diff', r1, r2], { cwd: dir });
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, EXPECTED_DIFF);
  assert.equal(r.stderr, '');
  assertNoSecretValue(r);
});

test('diff of two output directories, and of a directory against a release, say the same', async () => {
  for (const [a, b] of [
    [out1, out2],
    [out1, r2],
  ] as const) {
    const r = await runCli(['diff', a, b], { cwd: dir });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, EXPECTED_DIFF);
    assertNoSecretValue(r);
  }
});

test('diff --log-format json: one event per resource and a summary, no Secret value', async () => {
  const r = await runCli(['diff', '--log-format', 'json', r1, r2], { cwd: dir });
  assert.equal(r.code, 1, r.stderr);
  const events = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .map(({ time: _, ...e }) => e);
  assert.deepEqual(events, [
    {
      kind: 'diff-resource',
      change: 'changed',
      file: 'Deployment-web.json',
      apiVersion: 'apps/v1',
      resourceKind: 'Deployment',
      namespace: 'apps',
      name: 'web',
      fields: [
        {
          path: 'spec.template.spec.containers[name=web].env[name=MODE].value',
          change: 'changed',
          old: 'a',
          new: 'b',
        },
      ],
    },
    {
      kind: 'diff-resource',
      change: 'removed',
      file: 'Deployment-worker.json',
      apiVersion: 'apps/v1',
      resourceKind: 'Deployment',
      namespace: 'apps',
      name: 'worker',
    },
    {
      kind: 'diff-resource',
      change: 'changed',
      file: 'Secret-creds.json',
      apiVersion: 'v1',
      resourceKind: 'Secret',
      namespace: 'apps',
      name: 'creds',
      fields: [{ path: 'data.token', change: 'changed', masked: true }],
    },
    { kind: 'diff-summary', added: 0, removed: 1, changed: 2, unchanged: 2 },
  ]);
  assertNoSecretValue(r);
});

test('equal sides: exit 0 with the summary', async () => {
  const r = await runCli(['diff', out1, r1], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '0 added, 0 removed, 0 changed, 5 unchanged\n');
});

test('wrong usage is exit 2', async () => {
  for (const args of [
    ['diff', out1],
    ['diff', '--log-format', 'tty', out1, out2],
    ['diff', '--frobnicate', out1, out2],
  ]) {
    const r = await runCli(args, { cwd: dir });
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^error: /);
  }
});

test('bad input is exit 1, naming the file and the field, with no stack trace', async () => {
  const bad = join(dir, 'bad-out');
  await mkdir(bad);
  await writeFile(
    join(bad, 'Deployment-a.json'),
    '{"apiVersion": "apps/v1", "kind": "Deployment",\n "metadata": {}}\n',
  );
  await writeFile(join(bad, 'ConfigMap-b.json'), '{"apiVersion": "v1",\n "kind": \n');
  const foreign = join(dir, 'foreign');
  await mkdir(foreign);
  await writeFile(join(foreign, 'notes.txt'), 'hello');
  await symlink('loop', join(dir, 'loop'));
  const cases: Array<[string[], string]> = [
    [
      ['diff', join(dir, 'loop'), out1],
      `error: ${join(dir, 'loop')}: cannot read: too many symbolic links encountered\n`,
    ],
    [
      ['diff', join(dir, 'missing'), out1],
      `error: ${join(dir, 'missing')}: not found (hint: each side is an output directory written by deploy, a release, or a spec)\n`,
    ],
    [
      ['diff', out1, bad],
      `error: ${join(bad, 'ConfigMap-b.json')}: invalid JSON: Unexpected end of JSON input\n` +
        `error: ${join(bad, 'Deployment-a.json')}: metadata.name: is missing\n`,
    ],
    [
      ['diff', foreign, out1],
      `error: ${foreign}: holds "notes.txt", so it is not an output directory written by deploy (hint: an output directory holds only <kind>-<name>.json files)\n`,
    ],
  ];
  for (const [args, stderr] of cases) {
    const r = await runCli(args, { cwd: dir });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr, stderr);
    assert.equal(r.stdout, '');
  }
});

test('a release side is rendered and checked like deploy: its errors name the file and the field', async () => {
  const listing = async () => (await readdir(dir)).sort();
  const broken = await writeRelease(dir, 'broken', [
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { replicas: 'two' } },
  ]);
  const before = await listing();
  const r = await runCli(['diff', r1, broken], { cwd: dir });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^error: Deployment-x\.json: spec\.replicas: must be integer/m);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.deepEqual(await listing(), before, 'diff writes nothing');
});

test('deploy --diff-against shows the diff before replacing the directory, and still exits 0', async () => {
  const out = join(dir, 'replaced');
  assert.equal((await runCli(['deploy', r1, out], { cwd: dir })).code, 0);
  const r = await runCli(['deploy', '--diff-against', out, r2, out], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const text = r.stderr.replace(/^\S+Z /gm, '');
  assert.ok(text.startsWith(EXPECTED_DIFF), text);
  assertNoSecretValue(r);
  assert.deepEqual(await readdir(out), await readdir(out2));
});

test('deploy --diff-against a directory that is not an output: exit 1, the output untouched', async () => {
  const out = join(dir, 'kept');
  assert.equal((await runCli(['deploy', r1, out], { cwd: dir })).code, 0);
  const before = await readFile(join(out, 'Deployment-worker.json'), 'utf8');
  const r = await runCli(['deploy', '--diff-against', join(dir, 'nowhere'), r2, out], { cwd: dir });
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `error: ${join(dir, 'nowhere')}: not found\n`);
  assert.equal(await readFile(join(out, 'Deployment-worker.json'), 'utf8'), before);
});

test('deploy options that need --apply or --prune are usage errors', async () => {
  const out = join(dir, 'usage');
  const cases: Array<[string[], string]> = [
    [['--prune'], 'error: --prune needs --apply\n'],
    [['--dry-run'], 'error: --dry-run needs --apply\n'],
    [['--installation', 'a'], 'error: --installation needs --apply\n'],
    [['--inventory-namespace', 'a'], 'error: --inventory-namespace needs --apply\n'],
    [['--apply', '--max-deletions', '3'], 'error: --max-deletions and --allow-delete need --prune\n'],
    [['--apply', '--allow-delete', 'Namespace'], 'error: --max-deletions and --allow-delete need --prune\n'],
    [['--apply', '--dry-run', '--wait=5'], 'error: --wait cannot be combined with --dry-run\n'],
    [
      ['--apply', '--prune', '--allow-delete', 'Deployment'],
      'error: --allow-delete "Deployment": must be one of Namespace, PersistentVolumeClaim, CustomResourceDefinition (hint: other kinds need no permission; --max-deletions limits how many go)\n',
    ],
    [
      ['--apply', '--installation', 'Prod_1'],
      'error: --installation "Prod_1": must be 1 to 63 lowercase letters, digits or "-", starting and ending with a letter or digit\n',
    ],
  ];
  for (const [flags, stderr] of cases) {
    const r = await runCli(['deploy', ...flags, r1, out], { cwd: dir });
    assert.equal(r.code, 2, `${flags.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr, stderr);
  }
  const r = await runCli(['deploy', '--apply', '--prune', '--max-deletions', '-1', r1, out], { cwd: dir });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--max-deletions <n>' argument '-1' is invalid\. must be a whole number/);
  assert.deepEqual(await readdir(dir).then((d) => d.includes('usage')), false, 'nothing written');
});
