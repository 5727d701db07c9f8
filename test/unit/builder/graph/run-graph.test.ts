import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Event } from '../../../../src/core/events.js';
import { InterruptedError, UserError } from '../../../../src/core/user-error.js';
import { runGraph } from '../../../../src/builder/graph/run-graph.js';
import type { Step } from '../../../../src/builder/graph/step.js';

/** A step whose completion the test controls, recording when it started. */
function gate(id: string, deps: string[] = [], pool = 'image') {
  let open!: () => void;
  let fail!: (e: unknown) => void;
  const done = new Promise<void>((res, rej) => {
    open = res;
    fail = rej;
  });
  const state = { started: false, open, fail };
  const step: Step = {
    id,
    service: id.split(':')[0] ?? id,
    name: id.split(':')[1] ?? 'build',
    pool,
    deps,
    run: async () => {
      state.started = true;
      await done;
    },
  };
  return { step, state };
}

const tick = () => new Promise((r) => setImmediate(r));

test('each step runs once, after its dependencies, in the given order', async () => {
  const order: string[] = [];
  const mk = (id: string, deps: string[]): Step => ({
    id,
    service: id,
    name: 'build',
    pool: 'p',
    deps,
    run: async () => {
      order.push(id);
    },
  });
  const result = await runGraph([mk('c', ['a', 'b']), mk('a', []), mk('b', ['a'])], { pools: { p: 4 } });
  assert.deepEqual(order, ['a', 'b', 'c']);
  assert.deepEqual(result.finished, ['a', 'b', 'c']);
  assert.deepEqual(Object.keys(result.elapsedMs).sort(), ['a', 'b', 'c']);
});

test('unknown dependencies, unknown pools, duplicates and cycles are all reported before anything runs', async () => {
  let ran = false;
  const mk = (id: string, deps: string[], pool = 'p'): Step => ({
    id,
    service: id,
    name: 'build',
    pool,
    deps,
    run: async () => {
      ran = true;
    },
  });
  await assert.rejects(
    runGraph([mk('a', ['c']), mk('c', ['a']), mk('b', ['nope']), mk('d', [], 'gpu'), mk('d', [])], {
      pools: { p: 1 },
    }),
    (e: Error) => {
      assert.equal(
        e.message,
        [
          'invalid build graph:',
          '  duplicate step id "d"',
          '  step "b" depends on unknown step "nope"',
          '  step "d" uses unknown pool "gpu"',
          '  dependency cycle: a -> c -> a',
        ].join('\n'),
      );
      return true;
    },
  );
  assert.equal(ran, false);
});

test('a pool limits how many of its steps run at once; other pools are independent', async () => {
  const a = gate('a'),
    b = gate('b'),
    c = gate('c'),
    g = gate('g', [], 'git');
  const run = runGraph([a.step, b.step, c.step, g.step], { pools: { image: 2, git: 1 } });
  await tick();
  assert.deepEqual(
    [a.state.started, b.state.started, c.state.started, g.state.started],
    [true, true, false, true],
  );
  a.state.open();
  await tick();
  assert.equal(c.state.started, true);
  b.state.open();
  c.state.open();
  g.state.open();
  await run;
});

test('after a failure, running steps finish, nothing new starts, and the UserError is thrown', async () => {
  const events: Event[] = [];
  const a = gate('a'),
    b = gate('b'),
    c = gate('c'),
    d = gate('d', ['a']);
  const run = runGraph([a.step, b.step, c.step, d.step], {
    pools: { image: 2 },
    emit: (e) => events.push(e),
  });
  const rejected = assert.rejects(run, (e: unknown) => e instanceof UserError && e.message === 'RUN failed');
  await tick();
  b.state.fail(new UserError({ message: 'RUN failed' }, { details: ['last line'] }));
  await tick();
  a.state.open();
  await rejected;
  assert.equal(c.state.started, false, 'no new step after the failure');
  assert.equal(d.state.started, false);
  const failed = events.find((e) => e.kind === 'step-failed');
  assert.ok(failed?.kind === 'step-failed');
  assert.equal(failed.service, 'b');
  assert.deepEqual(failed.lastLines, ['last line']);
  assert.ok(
    events.some((e) => e.kind === 'step-finished' && e.service === 'a'),
    'the running step finished',
  );
});

test('a step-failed event says what failed without the hint, which names the log the event carries', async () => {
  const events: Event[] = [];
  const a = gate('a');
  const run = runGraph([a.step], { pools: { image: 1 }, emit: (e) => events.push(e) });
  const rejected = assert.rejects(run, UserError);
  await tick();
  a.state.fail(new UserError({ file: 'build.yml', message: 'RUN failed', hint: 'full log: /logs/a' }));
  await rejected;
  const failed = events.find((e) => e.kind === 'step-failed');
  assert.ok(failed?.kind === 'step-failed');
  assert.equal(failed.message, 'build.yml: RUN failed');
});

test('several failures are all kept in one UserError', async () => {
  const a = gate('a'),
    b = gate('b');
  const run = runGraph([a.step, b.step], { pools: { image: 2 } });
  await tick();
  a.state.fail(new UserError({ message: 'a broke' }, { details: ['a log'] }));
  b.state.fail(new UserError({ message: 'b broke' }, { details: ['b log'] }));
  await assert.rejects(run, (e: unknown) => {
    assert.ok(e instanceof UserError);
    assert.deepEqual(
      e.problems.map((p) => p.message),
      ['a broke', 'b broke'],
    );
    assert.deepEqual(e.details, ['a log', 'b log']);
    return true;
  });
});

test('on abort nothing new starts, running steps are awaited, and InterruptedError is thrown', async () => {
  const ac = new AbortController();
  const a = gate('a'),
    b = gate('b', ['a']);
  let settled = false;
  const run = runGraph([a.step, b.step], { pools: { image: 1 }, signal: ac.signal }).finally(() => {
    settled = true;
  });
  await tick();
  ac.abort(new Error('SIGTERM'));
  await tick();
  assert.equal(settled, false, 'waits for the running step');
  a.state.open();
  await assert.rejects(
    run,
    (e: unknown) => e instanceof InterruptedError && e.message === 'interrupted by SIGTERM',
  );
  assert.equal(b.state.started, false);
});

test('a step that finds its output done is reported skipped, and its dependents run', async () => {
  const events: Event[] = [];
  const steps: Step[] = [
    {
      id: 'x',
      service: 'x',
      name: 'build',
      pool: 'p',
      deps: [],
      run: async () => ({ skipped: 'image exists' }),
    },
    { id: 'y', service: 'x', name: 'push', pool: 'p', deps: ['x'], run: async () => undefined },
  ];
  const result = await runGraph(steps, { pools: { p: 1 }, emit: (e) => events.push(e) });
  assert.deepEqual(result.skipped, ['x']);
  assert.deepEqual(result.finished, ['y']);
  assert.ok(events.some((e) => e.kind === 'step-skipped' && e.reason === 'image exists'));
});

test('an empty graph succeeds', async () => {
  assert.deepEqual(await runGraph([], { pools: {} }), { finished: [], skipped: [], elapsedMs: {} });
});
