import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

let work: string;
let bashScript: string;
let zshScript: string;

before(async () => {
  // A folder to complete file and directory names in, with a space in one name.
  work = await tempDir();
  await mkdir(join(work, 'out dir'));
  await writeFile(join(work, 'spec.json'), '{}');
  await writeFile(join(work, 'build-config.yml'), '');
  const bash = await runCli(['completion', 'bash']);
  assert.equal(bash.code, 0, bash.stderr);
  bashScript = join(work, '..', `tci-completion-${process.pid}.bash`);
  await writeFile(bashScript, bash.stdout);
  const zsh = await runCli(['completion', 'zsh']);
  assert.equal(zsh.code, 0, zsh.stderr);
  zshScript = join(work, '..', `tci-completion-${process.pid}.zsh`);
  await writeFile(zshScript, zsh.stdout);
});

/**
 * What bash offers at the end of each command line, as completion does when TAB is pressed:
 * COMP_WORDS split as bash splits them (at `=` too), COMPREPLY read back.
 */
function bashCompletes(lines: string[][]): string[][] {
  const driver = `source "$1"; shift
    while (($#)); do
      n=$1; shift; COMP_WORDS=("\${@:1:n}"); shift "$n"
      COMP_CWORD=$((n - 1)); COMPREPLY=(); _taskcluster_installer
      printf '%s\\t' "\${COMPREPLY[@]}"; printf '\\n'
    done`;
  const args = lines.flatMap((words) => [String(words.length), ...words]);
  const out = execFileSync('bash', ['-c', driver, 'bash', bashScript, ...args], {
    cwd: work,
    encoding: 'utf8',
  });
  return out
    .split('\n')
    .slice(0, lines.length)
    .map((l) => l.split('\t').filter((w) => w !== ''));
}

/** What `--help` lists: the commands, or a command's options (long and short names). */
async function helpLists(args: string[]): Promise<{ commands: string[]; options: string[] }> {
  const help = (await runCli([...args, '--help'])).stdout;
  const section = (title: string) => help.split(`${title}:\n`)[1]?.split('\n\n')[0] ?? '';
  return {
    commands: [...section('Commands').matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1] as string),
    options: [...section('Options').matchAll(/^ {2}(-\w)?(?:, )?(--[a-z-]+)?/gm)].flatMap((m) =>
      [m[2], m[1]].filter((n): n is string => n !== undefined),
    ),
  };
}

describe('completion bash', () => {
  it('completes the commands and each command’s options that --help lists, and the choices of --log-format', async () => {
    const t = 'taskcluster-installer';
    const [commands, b, buildOptions, deployOptions, formats, formatsEq, formatsEqPartial, shells, help] =
      bashCompletes([
        [t, ''],
        [t, 'b'],
        [t, 'build', '-'],
        [t, 'deploy', '-'],
        [t, 'validate', '--log-format', ''],
        [t, 'deploy', '--log-format', '='],
        [t, 'deploy', '--log-format', '=', 'j'],
        [t, 'completion', ''],
        [t, 'help', 'd'],
      ]);
    const top = await helpLists([]);
    assert.ok(top.commands.includes('init') && top.commands.includes('completion'));
    assert.deepEqual(commands, [...top.commands, ...top.options]);
    assert.deepEqual(b, ['build']);
    assert.deepEqual(buildOptions, (await helpLists(['build'])).options);
    assert.ok(buildOptions?.includes('--target-service'));
    assert.deepEqual(deployOptions, (await helpLists(['deploy'])).options);
    assert.deepEqual(formats, ['tty', 'plain', 'json']);
    assert.deepEqual(formatsEq, ['tty', 'plain', 'json']);
    assert.deepEqual(formatsEqPartial, ['json']);
    assert.deepEqual(shells, ['bash', 'zsh']);
    assert.deepEqual(
      help,
      top.commands.filter((c) => c.startsWith('d')),
    );
  });

  it('completes file names for files and directory names for directories, past options and their values', () => {
    const t = 'taskcluster-installer';
    const [spec, release, outputDir, outputDirAfterOptions, baseDir, buildConfig, initDir, freeText] =
      bashCompletes([
        [t, 'validate', ''],
        [t, 'build', 'spec.json', 's'],
        [t, 'deploy', 'spec.json', ''],
        [
          t,
          'deploy',
          '--deploy-config',
          'build-config.yml',
          '--log-format=json',
          '--apply',
          'spec.json',
          'o',
        ],
        [t, 'build', '--base-dir', ''],
        [t, 'build', '--build-config', 'b'],
        [t, 'init', ''],
        [t, 'build', '--target-service', ''],
      ]);
    assert.deepEqual(spec?.sort(), ['build-config.yml', 'out dir', 'spec.json']);
    assert.deepEqual(release, ['spec.json']);
    assert.deepEqual(outputDir, ['out dir']);
    assert.deepEqual(outputDirAfterOptions, ['out dir']);
    assert.deepEqual(baseDir, ['out dir']);
    assert.deepEqual(buildConfig, ['build-config.yml']);
    assert.deepEqual(initDir, ['out dir']);
    // A service name is free text: no file names offered.
    assert.deepEqual(freeText, []);
  });
});

/**
 * Types each line into an interactive zsh (in a pseudo-terminal, through zsh's own zpty) with
 * the completion script loaded after compinit, presses TAB, and returns what the terminal
 * showed once `expect` (a zsh glob) matched, escape sequences removed.
 */
function zshCompletes(cases: Array<{ line: string; expect: string }>): string[] {
  const driver = `zmodload zsh/zpty
    zpty z 'zsh -f -i'
    zpty -w z 'PS1="> "; autoload -U compinit; compinit -u -D; source "${zshScript}"; LISTMAX=1000'
    drain() { local chunk; while zpty -r -t z chunk; do out+=$chunk; done; }
    out=; drain
    while (($#)); do
      out=; zpty -w -n z $'\\x15'"$1"$'\\t'
      for i in {1..100}; do drain; [[ $out == $~2 ]] && break; sleep 0.1; done
      print -rn -- "$out"; print -rn -- $'\\x1e'
      shift 2
    done
    zpty -d z`;
  const args = cases.flatMap((c) => [c.line, c.expect]);
  const out = execFileSync('zsh', ['-f', '-c', driver, 'zsh', ...args], { cwd: work, encoding: 'utf8' });
  return out
    .split('\x1e')
    .slice(0, cases.length)
    .map((s) =>
      s
        // eslint-disable-next-line no-control-regex
        .replace(/\x1b\[[0-9;?]*[A-Za-z]|[\r\x07]|.\x08/g, ''),
    );
}

describe('completion zsh', () => {
  it('completes the command, the choices of --log-format and a directory, in a real zsh', () => {
    const [command, formats, dir] = zshCompletes([
      { line: 'taskcluster-installer bu', expect: '*taskcluster-installer build*' },
      { line: 'taskcluster-installer build --log-format ', expect: '*tty*' },
      { line: 'taskcluster-installer deploy spec.json o', expect: '*out\\\\ dir*' },
    ]);
    assert.match(command ?? '', /taskcluster-installer build\s/);
    assert.match(formats ?? '', /json\s+plain\s+tty/);
    assert.match(dir ?? '', /taskcluster-installer deploy spec\.json out\\ dir\//);
  });
});

describe('completion: wrong usage', () => {
  it('an unknown shell is a usage error, exit 2', async () => {
    const r = await runCli(['completion', 'fish']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /'fish' is invalid for argument 'shell'\. Allowed choices are bash, zsh\./);
    assert.equal(r.stdout, '');
  });
});
