import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatProblem } from '../../../src/core/problem.js';
import { isUserError } from '../../../src/core/user-error.js';
import { parseSource, stripCredentials } from '../../../src/inputs/parse-source.js';

const where = { file: 'build.yml', path: 'repositories[0].source' };
const parse = (text: string) => parseSource(text, '/specs/tc', where);

/** The formatted problem a bad source gives, asserting that no secret leaks into it. */
function problemOf(text: string): string {
  try {
    parse(text);
  } catch (e) {
    assert.ok(isUserError(e));
    const msg = e.problems.map(formatProblem).join('\n');
    assert.doesNotMatch(msg, /s3cret/);
    return msg;
  }
  assert.fail(`expected ${text} to be rejected`);
}

describe('parseSource: URL forms and credentials', () => {
  it('https with a token as user name', () => {
    assert.deepEqual(parse('https://ghp_s3cret@github.com/org/repo.git#main'), {
      url: 'https://github.com/org/repo.git',
      ref: 'main',
      credentials: { username: 'ghp_s3cret' },
    });
  });

  it('https with user and password, percent-decoded', () => {
    assert.deepEqual(parse('https://ci:p%40ss%3As3cret@git.example.com:8443/r.git'), {
      url: 'https://git.example.com:8443/r.git',
      credentials: { username: 'ci', password: 'p@ss:s3cret' },
    });
  });

  it('https with only a password', () => {
    assert.deepEqual(parse('https://:s3cret@host/r#v1.0'), {
      url: 'https://host/r',
      ref: 'v1.0',
      credentials: { password: 's3cret' },
    });
  });

  it('http without credentials keeps the URL exactly as written', () => {
    assert.deepEqual(parse('http://Host.Example/Org/Repo'), { url: 'http://Host.Example/Org/Repo' });
  });

  it('ssh:// keeps the user name and takes only the password', () => {
    assert.deepEqual(parse('ssh://git:s3cret@host:2222/org/repo.git#dev'), {
      url: 'ssh://git@host:2222/org/repo.git',
      ref: 'dev',
      credentials: { password: 's3cret' },
    });
    assert.deepEqual(parse('ssh://git@host/org/repo.git'), { url: 'ssh://git@host/org/repo.git' });
  });

  it('scp-like git@host:path keeps the user name and takes only the password', () => {
    assert.deepEqual(parse('git@github.com:org/repo.git#main'), {
      url: 'git@github.com:org/repo.git',
      ref: 'main',
    });
    assert.deepEqual(parse('git:s3cret@github.com:org/repo.git'), {
      url: 'git@github.com:org/repo.git',
      credentials: { password: 's3cret' },
    });
  });

  it('file:// gives the absolute local path', () => {
    assert.deepEqual(parse('file:///srv/git/repo#abc'), {
      url: 'file:///srv/git/repo',
      ref: 'abc',
      localPath: '/srv/git/repo',
    });
  });

  it('local paths resolve against the spec directory; the url stays as written', () => {
    assert.deepEqual(parse('../repos/queue#main'), {
      url: '../repos/queue',
      ref: 'main',
      localPath: '/specs/repos/queue',
    });
    assert.deepEqual(parse('./queue'), { url: './queue', localPath: '/specs/tc/queue' });
    assert.deepEqual(parse('/abs/queue'), { url: '/abs/queue', localPath: '/abs/queue' });
  });

  it('a full commit SHA and slashed branch names are refs', () => {
    const sha = 'a'.repeat(40);
    assert.equal(parse(`https://h/r#${sha}`).ref, sha);
    assert.equal(parse('https://h/r#feature/x-1').ref, 'feature/x-1');
  });
});

describe('parseSource: rejects malformed sources', () => {
  const cases: Array<[string, RegExp]> = [
    ['', /source is empty/],
    ['https://h/r#', /empty ref after "#"/],
    ['#main', /no URL before "#"/],
    ['https://h/r #main', /whitespace or control characters/],
    ['https://h/r\u0000', /whitespace or control characters/],
    ['https://h/r#a..b', /not a valid git ref: it cannot contain "\.\."/],
    ['https://h/r#a~1', /not a valid git ref/],
    ['https://h/r#x.lock', /can end with "\.lock"/],
    ['https://h/r#.hidden', /can begin with "\."/],
    ['https://h/r#a//b', /contain "\/\/"/],
    ['https://h/r#a/', /begin or end with "\/"/],
    ['https://h/r#a.', /cannot end with "\."/],
    ['https://h/r#a@{1}', /cannot contain "@\{"/],
    ['https://h/r#@', /cannot be "@" alone/],
    ['ftp://h/r', /unsupported URL scheme "ftp:\/\/"/],
    ['git://github.com/org/r', /unsupported URL scheme "git:\/\/"/],
    ['https:///r', /https URL has no host/],
    ['file://other-host/r', /file:\/\/ URL must name an absolute path/],
    ['file://u:s3cret@/r', /must not carry credentials/],
    ['git@github.com:', /no repository path/],
  ];
  for (const [text, expected] of cases) {
    it(JSON.stringify(text), () => {
      const msg = problemOf(text);
      assert.match(msg, /^build\.yml: repositories\[0\]\.source: /);
      assert.match(msg, expected);
    });
  }
});

describe('stripCredentials', () => {
  const cases: Array<[string, string]> = [
    ['https://tok@github.com/o/r#main', 'https://github.com/o/r#main'],
    ['https://u:p@h:1/r', 'https://h:1/r'],
    ['http://u:p%2Fq@h/r', 'http://h/r'],
    ['ssh://git:pw@h/r', 'ssh://git@h/r'],
    ['ssh://git@h/r', 'ssh://git@h/r'],
    ['git:pw@github.com:o/r.git#x', 'git@github.com:o/r.git#x'],
    ['git@github.com:o/r.git', 'git@github.com:o/r.git'],
    ['file:///srv/r', 'file:///srv/r'],
    ['../r#main', '../r#main'],
    ['https://h/r#ref@with-at', 'https://h/r#ref@with-at'],
  ];
  for (const [input, expected] of cases) {
    it(input, () => assert.equal(stripCredentials(input), expected));
  }
});
