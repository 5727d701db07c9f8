import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyGitFailure, lastGitLine } from '../../../../src/builder/sources/run-git.js';

test('git failures are sorted into what the user must fix', () => {
  const cases: Array<[string, ReturnType<typeof classifyGitFailure>]> = [
    ["fatal: Authentication failed for 'https://h/r.git/'", 'auth'],
    ["fatal: could not read Username for 'https://h': terminal prompts disabled", 'auth'],
    ['git@h: Permission denied (publickey).\nfatal: Could not read from remote repository.', 'auth'],
    [
      "fatal: '/nope' does not appear to be a git repository\nfatal: Could not read from remote repository.",
      'missing-repository',
    ],
    ["remote: Repository not found.\nfatal: repository 'https://h/r/' not found", 'missing-repository'],
    ["fatal: repository 'http://h/app.git/' not found", 'missing-repository'],
    ["fatal: unable to access 'https://h/r/': Could not resolve host: h", 'unreachable'],
    ['ssh: connect to host h port 22: Connection refused', 'unreachable'],
    ['fatal: bad object refs/heads/main\nerror: object file is empty', 'local'],
  ];
  for (const [stderr, kind] of cases) assert.equal(classifyGitFailure(stderr), kind, stderr);
});

test("git's explanation is its first fatal line", () => {
  assert.equal(
    lastGitLine(
      "fatal: '/x' does not appear to be a git repository\nfatal: Could not read\n\nand the repo exists.",
    ),
    "'/x' does not appear to be a git repository",
  );
  assert.equal(lastGitLine('warning: a\nsomething else\n'), 'something else');
});
