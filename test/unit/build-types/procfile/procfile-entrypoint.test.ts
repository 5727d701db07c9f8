import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, before } from 'node:test';
import { formatProblem } from '../../../../src/core/problem.js';
import { UserError } from '../../../../src/core/user-error.js';
import {
  generateEntrypoint,
  parseProcfile,
  withDefaultProcesses,
} from '../../../../src/build-types/procfile/procfile-entrypoint.js';
import { ensureBusyboxImage } from '../../../helpers/base-images.js';
import { tempDir } from '../../../helpers/temp-dir.js';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof UserError);
    return e.problems.map(formatProblem);
  }
  assert.fail('expected a UserError');
}

describe('parseProcfile', () => {
  it('reads processes, skipping blank lines and comments', () => {
    const text =
      '# processes\n\nweb: node server.js --port $PORT\r\nworker:bin/work   \n  \nrelease : ./migrate\n';
    assert.deepEqual(parseProcfile(text, 'queue'), [
      { name: 'web', command: 'node server.js --port $PORT' },
      { name: 'worker', command: 'bin/work' },
      { name: 'release', command: './migrate' },
    ]);
  });

  it('reports every malformed line, empty command and duplicate with its line', () => {
    const text = 'web: a\nthis is not a process\nweb: b\nbad name: c\nempty:\n';
    assert.deepEqual(
      problemsOf(() => parseProcfile(text, 'queue')),
      [
        'Procfile:2: service "queue": malformed line (hint: each line is `<process>: <command>`, the process named by letters, digits, _ and -)',
        'Procfile:3: service "queue": process "web" is defined twice (first on line 1)',
        'Procfile:4: service "queue": malformed line (hint: each line is `<process>: <command>`, the process named by letters, digits, _ and -)',
        'Procfile:5: service "queue": process "empty" has no command',
      ],
    );
  });

  it("names the Procfile by its path in the repository (a service's folder)", () => {
    assert.deepEqual(
      problemsOf(() => parseProcfile('web a\n', 'api', 'services/api/Procfile')),
      [
        'services/api/Procfile:1: service "api": malformed line (hint: each line is `<process>: <command>`, the process named by letters, digits, _ and -)',
      ],
    );
  });

  it('rejects a Procfile without any process', () => {
    assert.deepEqual(
      problemsOf(() => parseProcfile('# nothing\n\n', 'auth')),
      ['Procfile: service "auth": the Procfile defines no process'],
    );
  });
});

describe('withDefaultProcesses', () => {
  it('keeps Procfile entries and adds defaults only for names the Procfile lacks', () => {
    const defaults = [{ name: 'web', command: 'npm start' }];
    assert.deepEqual(withDefaultProcesses([{ name: 'worker', command: 'w' }], defaults), [
      { name: 'worker', command: 'w' },
      { name: 'web', command: 'npm start' },
    ]);
    assert.deepEqual(withDefaultProcesses([{ name: 'web', command: 'node s.js' }], defaults), [
      { name: 'web', command: 'node s.js' },
    ]);
  });
});

// Made at the top, not in `before`: a temp dir registered inside a hook is removed when the hook ends.
const app = await tempDir('tci-entrypoint-');

// The entrypoint runs in a busybox image, the kind of minimal image that has no bash.
describe('generateEntrypoint (in a busybox container)', () => {
  let image: string;
  before(() => {
    image = ensureBusyboxImage();
    mkdirSync(join(app, '.profile.d'));
    writeFileSync(join(app, '.profile.d', 'a.sh'), 'export FROM_PROFILE_D="profile d"\n');
    writeFileSync(join(app, '.profile'), 'export FROM_PROFILE="$FROM_PROFILE_D and profile"\n');
    const script = generateEntrypoint([
      { name: 'web', command: 'echo "web on $PORT: $FROM_PROFILE"' },
      { name: 'worker', command: "echo \"it's\" 'a  worker'" },
      { name: 'args', command: 'printf "<%s>" first' },
    ]);
    writeFileSync(join(app, 'entrypoint'), script);
    chmodSync(join(app, 'entrypoint'), 0o755);
  });

  function run(...args: string[]): { code: number; out: string } {
    try {
      const out = execFileSync(
        'docker',
        [
          'run',
          '--rm',
          '-e',
          'PORT=8080',
          '-v',
          `${app}:/app:ro`,
          '--entrypoint',
          '/app/entrypoint',
          image,
          ...args,
        ],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
      );
      return { code: 0, out };
    } catch (e) {
      const err = e as { status: number; stderr: string };
      return { code: err.status, out: err.stderr };
    }
  }

  it('runs a named process after sourcing .profile.d and .profile', () => {
    assert.deepEqual(run('web'), { code: 0, out: 'web on 8080: profile d and profile\n' });
    assert.deepEqual(run('worker'), { code: 0, out: "it's a  worker\n" });
  });

  it('appends further arguments to the process command as separate words', () => {
    assert.deepEqual(run('args', 'two words', '$HOME'), { code: 0, out: '<first><two words><$HOME>' });
  });

  it('executes anything else as a command, with the profile environment', () => {
    assert.deepEqual(run('echo', 'hi'), { code: 0, out: 'hi\n' });
    assert.deepEqual(run('sh', '-c', 'echo "$FROM_PROFILE_D"'), { code: 0, out: 'profile d\n' });
  });

  it('prints usage and exits 2 without arguments', () => {
    assert.deepEqual(run(), {
      code: 2,
      out: 'usage: <process> [args...] | <command> [args...]; processes: web worker args\n',
    });
  });
});
