import assert from 'node:assert/strict';
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { resolveSources } from '../../src/builder/sources/resolve-sources.js';
import type { SourceRequest } from '../../src/builder/sources/source-request.js';
import type { Event } from '../../src/core/events.js';
import { UserError } from '../../src/core/user-error.js';
import type { UrlCredentials } from '../../src/inputs/types.js';
import { GitHttpServer } from '../helpers/git-http-server.js';
import { GitRepo } from '../helpers/git-repo.js';
import { tempDir } from '../helpers/temp-dir.js';

const USER = 'ci-bot';
const TOKEN = `tok-${process.pid}-9f3a1c`;

let server: GitHttpServer;
let root: string;
let repo: GitRepo;
let url: string;

before(async () => {
  root = await tempDir();
  repo = GitRepo.create(join(root, 'work'), { 'a.txt': 'hello\n' });
  repo.tag('v1', { annotated: true });
  repo.git('clone', '-q', '--bare', repo.path, join(root, 'served', 'app.git'));
  // `git http-backend` behind basic auth: the credential path proven end to end.
  server = await GitHttpServer.start(join(root, 'served'), { token: USER, password: TOKEN });
  url = server.url('app.git');
});

after(() => server.stop());

function request(credentials: UrlCredentials | undefined, ref = 'main'): SourceRequest {
  return {
    id: 'app',
    source: { url, ref, ...(credentials ? { credentials } : {}) },
    where: { file: 'build.yml', path: 'repositories[0].source' },
  };
}

/** Every file under `dir`, for grepping planted secrets. */
async function allText(dir: string): Promise<string> {
  let text = '';
  for (const name of await readdir(dir, { recursive: true })) {
    const p = join(dir, name);
    if ((await stat(p)).isFile()) text += (await readFile(p)).toString('latin1');
  }
  return text;
}

test('credentials from the URL fetch over https-style basic auth and are stored nowhere', async () => {
  const dir = await tempDir();
  const base = join(dir, 'base');
  // The user's own credential helper must never see (and so never save) the token.
  const userConfig = join(dir, 'gitconfig');
  const userStore = join(dir, 'user-credentials');
  await writeFile(userConfig, `[credential]\n\thelper = store --file ${userStore}\n`);
  const oldGlobal = process.env['GIT_CONFIG_GLOBAL'];
  process.env['GIT_CONFIG_GLOBAL'] = userConfig;
  try {
    const events: Event[] = [];
    const got = await resolveSources(
      [
        request({ username: USER, password: TOKEN }),
        { ...request({ username: USER, password: TOKEN }, 'v1'), id: 'tag' },
      ],
      {
        baseDir: base,
        emit: (e) => events.push(e),
        gitConcurrency: 2,
      },
    );
    assert.equal(got.get('app')?.commit, repo.head());
    assert.equal(got.get('app')?.exactSource, `${url}#${repo.head()}`);
    assert.equal(got.get('tag')?.commit, repo.head());
    const everything = (await allText(base)) + JSON.stringify(events) + JSON.stringify([...got]);
    assert.ok(!everything.includes(TOKEN), 'the token is in no file of the base dir, no event, no result');
    assert.ok(!(await readFile(join(got.get('app')?.clonePath ?? '', 'config'), 'utf8')).includes(USER));
    await assert.rejects(stat(userStore), { code: 'ENOENT' }, "the user's helper stored nothing");
  } finally {
    if (oldGlobal === undefined) delete process.env['GIT_CONFIG_GLOBAL'];
    else process.env['GIT_CONFIG_GLOBAL'] = oldGlobal;
  }
});

test('a refused credential and a missing one fail at once, naming the entry and the clean URL', async () => {
  const dir = await tempDir();
  for (const creds of [{ username: USER, password: 'wrong-password-77' }, undefined]) {
    await assert.rejects(
      resolveSources([request(creds)], { baseDir: join(dir, 'base'), emit: () => {}, gitConcurrency: 1 }),
      (e: unknown) => {
        assert.ok(e instanceof UserError);
        const p = e.problems[0];
        assert.equal(p?.file, 'build.yml');
        assert.equal(p?.path, 'repositories[0].source');
        assert.match(p?.message ?? '', new RegExp(`^credentials for ${url} were refused or are missing`));
        assert.ok(!JSON.stringify(e.problems).includes('wrong-password-77'));
        return true;
      },
    );
  }
});
