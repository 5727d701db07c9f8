import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { BuildRig } from '../helpers/build-rig.js';
import { CliProcess, runCliToEnd } from '../helpers/cli-process.js';

/**
 * Two builds on one base dir at once: the second waits for the first (saying whose lock it
 * waits for), both succeed with the same images, and the base dir is intact: a third build
 * does no image work at all.
 */
const rigs: BuildRig[] = [];
after(() => rigs.forEach((r) => r.cleanup()));

test('two builds started together on one base dir both end well; a third is a no-op', async () => {
  const marker = `tci-conc-${process.pid}`;
  const rig = BuildRig.create([
    {
      name: 'one',
      dockerfile: `FROM busybox\nRUN echo ${marker} && sleep 3 && echo one > /id\nCMD ["cat","/id"]\n`,
    },
    { name: 'two', dockerfile: 'FROM busybox\nRUN echo two > /id\nCMD ["cat","/id"]\n' },
  ]);
  rigs.push(rig);
  const release2 = `${rig.releasePath}.second.json`;
  const a = CliProcess.start(rig.buildArgs());
  const b = CliProcess.start(rig.buildArgs().map((x) => (x === rig.releasePath ? release2 : x)));
  const [oa, ob] = await Promise.all([a.done, b.done]);
  assert.equal(oa.code, 0, oa.stderr);
  assert.equal(ob.code, 0, ob.stderr);

  // Exactly one of them waited, and it named the other as the holder.
  const waits = [
    ...oa.events.filter((e) => e.kind === 'lock-waiting').map((e) => ({ e, holder: b.child.pid })),
    ...ob.events.filter((e) => e.kind === 'lock-waiting').map((e) => ({ e, holder: a.child.pid })),
  ];
  assert.equal(waits.length, 1, JSON.stringify(waits));
  const wait = waits[0] as (typeof waits)[number];
  assert.match(String(wait.e['holder']), new RegExp(`^pid ${wait.holder} on `));
  assert.match(String(wait.e['lockFile']), /build\.lock$/);

  // The one that waited found everything done.
  const waited = oa.events.some((e) => e.kind === 'lock-waiting') ? oa : ob;
  assert.deepEqual(
    waited.events.filter((e) => e.kind === 'plan-decided').map((e) => e['action']),
    ['skip', 'skip'],
  );
  const images = (file: string) =>
    (
      JSON.parse(readFileSync(file, 'utf8')) as { build: { repositories: Array<{ service: unknown }> } }
    ).build.repositories.map((r) => r.service);
  assert.deepEqual(images(rig.releasePath), images(release2));

  const third = await runCliToEnd(rig.buildArgs());
  assert.equal(third.code, 0, third.stderr);
  assert.equal(third.events.filter((e) => e.kind === 'step-started').length, 0);
  assert.deepEqual(images(rig.releasePath), images(release2));
});
