import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { gitInvocation } from '../../../../src/builder/sources/git-env.js';

const secret = 'tok-3fa9-secret';

test('credentials travel in the environment only, never in argv', () => {
  const inv = gitInvocation({ username: 'ci-user', password: secret }, { PATH: process.env['PATH'] });
  assert.equal(inv.env['TCI_GIT_PASS'], secret);
  assert.equal(inv.env['TCI_GIT_USER'], 'ci-user');
  assert.ok(!inv.args.join(' ').includes(secret));
  assert.ok(!inv.args.join(' ').includes('ci-user'));
  // The user's helpers are switched off before ours is added.
  assert.deepEqual(inv.args.slice(0, 2), ['-c', 'credential.helper=']);
});

test('git never prompts: terminal prompts off, askpass programs fail, ssh in batch mode', () => {
  const inv = gitInvocation(undefined, { PATH: '/bin', GIT_SSH_COMMAND: 'ssh -i key', TCI_GIT_PASS: 'leak' });
  assert.equal(inv.env['GIT_TERMINAL_PROMPT'], '0');
  assert.equal(inv.env['GIT_ASKPASS'], '/bin/false');
  assert.equal(inv.env['SSH_ASKPASS'], '/bin/false');
  assert.equal(inv.env['GIT_SSH_COMMAND'], 'ssh -i key -o BatchMode=yes');
  assert.equal(inv.env['TCI_GIT_PASS'], undefined, 'no stale credentials from the parent environment');
  assert.deepEqual(inv.args, ['-c', 'credential.helper=']);
});

test('the helper answers git credential fill with the URL credentials, and stores nothing', () => {
  const inv = gitInvocation({ username: 'ci-user', password: secret }, process.env);
  const out = execFileSync('git', [...inv.args, 'credential', 'fill'], {
    env: inv.env,
    input: 'protocol=https\nhost=example.com\n\n',
    encoding: 'utf8',
  });
  assert.match(out, /^username=ci-user$/m);
  assert.match(out, new RegExp(`^password=${secret}$`, 'm'));
  // `store` and `erase` are ignored: exit 0 with no output.
  const stored = execFileSync('git', [...inv.args, 'credential', 'approve'], {
    env: inv.env,
    input: `protocol=https\nhost=example.com\nusername=ci-user\npassword=${secret}\n\n`,
    encoding: 'utf8',
  });
  assert.equal(stored, '');
});

test('a token given as the user name alone still answers without a password prompt', () => {
  const inv = gitInvocation({ username: secret }, process.env);
  const out = execFileSync('git', [...inv.args, 'credential', 'fill'], {
    env: inv.env,
    input: 'protocol=https\nhost=example.com\n\n',
    encoding: 'utf8',
  });
  assert.match(out, new RegExp(`^username=${secret}$`, 'm'));
  assert.match(out, /^password=$/m);
});
