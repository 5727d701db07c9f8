import { parse } from 'shell-quote';
import type { Problem } from '../../core/problem.js';
import { UserError } from '../../core/user-error.js';
import type { ProcfileProcess } from '../procfile/procfile-entrypoint.js';
import { DEV_ENGINES_HINT } from './dev-engines.js';

/** What the check knows of the image and the project (`checkProcessCommands`). */
export interface ProcessCommandsInput {
  service: string;
  processes: readonly ProcfileProcess[];
  /** The processes' file (the Procfile, or package.json for a `web` made from it). */
  file(process: ProcfileProcess): string;
  /** The service's package.json, and its scripts, which `npm start` and `npm run x` run. */
  manifestFile: string;
  scripts: Readonly<Record<string, unknown>>;
  /** The commands the production dependencies installed (`node_modules/.bin` on the PATH). */
  installed: ReadonlySet<string>;
  /**
   * `installed` is what the lock file says of the production dependencies, before they are
   * installed: a command that neither it nor the image knows (a workspace's own) is not judged.
   */
  installedByLockFile?: boolean;
  /** Commands the project's packages provide, by package (`NodeAnalysis.commands`). */
  known: ReadonlyMap<string, string>;
  /** The packages the production dependencies installed, and the dev dependencies, by name. */
  packages: ReadonlySet<string>;
  devPackages: ReadonlySet<string>;
  /**
   * The run image and the commands on its PATH, when they are known and nothing of the app's
   * own can add to the PATH (`/app/.profile.d`): a process's command must then be one of them,
   * or installed.
   */
  image?: { ref: string; commands: ReadonlySet<string> };
  /** The service's `buildScript`, if it has one: the hint then names it, not a script to add. */
  buildScript?: string;
  /**
   * Why the run image's npm refuses to run the project's scripts, when it does (`devEngines`
   * does not accept its npm or Node.js): a process that runs one through npm then fails.
   */
  npmRefusal?: string;
}

/** Words that run the command after them (their own options and assignments skipped). */
const PREFIXES = new Set(['exec', 'env', 'nohup', 'time', 'npx', 'cross-env']);
/** Node's options that load a module before the app: `node -r dotenv/config dist/main.js`. */
const PRELOADS = new Set(['-r', '--require', '--import', '--loader', '--experimental-loader']);
/** What sh runs itself: never looked up on the PATH. */
const SH_BUILTINS = new Set(
  (
    '. : [ alias bg break cd command continue echo eval exec exit export false fg getopts hash jobs ' +
    'kill local printf pwd read readonly return set shift source test times trap true type ulimit ' +
    'umask unalias unset wait if then else elif fi for while until do done case esac ! { }'
  ).split(' '),
);
const MANAGERS = new Set(['npm', 'yarn', 'pnpm']);
/** The commands npm runs as the script of the same name. */
const NPM_SCRIPT_COMMANDS = new Set(['start', 'stop', 'restart', 'test']);

/**
 * A process whose command (or a script it runs through npm, Yarn or pnpm, or that script's
 * `pre` script) starts with a command that only a package outside the image's production
 * dependencies provides fails the build: `nest start` with `@nestjs/cli` a dev dependency, or
 * `ts-node src/main.ts`, would build and then stop at once in the pod with `nest: not found`.
 * When the run image's commands are known (`image`), so does a command that is neither there
 * nor installed (Yarn's and pnpm's lock files name no commands, so `nest` is found this way
 * there; `yarn start` on an image without yarn too); commands of the image are left alone. So
 * is what `node` itself loads, but for a dev dependency it preloads (`node -r dotenv/config`).
 * The commands are read as sh reads them (shell-quote): each simple command of a list or
 * pipeline, after its variable assignments, and the string of a shell's `-c`. Not followed:
 * variables, functions, script files.
 */
export function checkProcessCommands(input: ProcessCommandsInput): void {
  const problems: Problem[] = [];
  for (const p of input.processes) {
    // `corepack enable && yarn start`: corepack puts yarn and pnpm on the PATH as the process runs.
    let corepackEnabled = false;
    for (const { command, args, via, fetched, runsScript } of firstWords(p.command, input, [])) {
      corepackEnabled ||= command === 'corepack' && args[0] === 'enable';
      const script = via.at(-1);
      const problem = (what: string, why: string, hint: string) =>
        problems.push({
          file: script === undefined ? input.file(p) : input.manifestFile,
          ...(script === undefined ? {} : { path: `scripts.${script.name}` }),
          message: `service "${input.service}": process "${p.name}" runs ${what}${
            script === undefined
              ? ''
              : ` (through the "${script.name}" script: ${JSON.stringify(script.text)})`
          }, ${why}`,
          hint,
        });
      if (command === 'node') {
        for (const { option, module } of preloads(args)) {
          const name = packageOf(module);
          if (name !== undefined && !input.packages.has(name) && input.devPackages.has(name))
            problem(
              `node with "${option} ${module}"`,
              `a module of ${name}, which the image's production dependencies do not install`,
              `make ${name} a production dependency, or load it in the app's code`,
            );
        }
      }
      if (command === 'npm' && runsScript && input.npmRefusal !== undefined)
        problem('npm', input.npmRefusal, DEV_ENGINES_HINT);
      if (input.installed.has(command) || SH_BUILTINS.has(command) || command.startsWith('$')) continue;
      if (input.image?.commands.has(command) === true) continue;
      if (corepackEnabled && (command === 'yarn' || command === 'pnpm')) continue;
      const pkg = input.known.get(command);
      if (pkg !== undefined)
        problem(
          `"${command}"`,
          `a command of ${pkg}, which the image's production dependencies do not install`,
          `make ${pkg} a production dependency, or ${
            input.buildScript === undefined
              ? 'build the app with a buildScript and start what it makes'
              : `start what the "${input.buildScript}" script makes`
          } with node (a Procfile line such as "web: node dist/main.js"); a command of the base image is named by its path (/usr/local/bin/${command})`,
        );
      // npx fetches a command that is not installed: not the image's to hold.
      else if (input.image !== undefined && !fetched && input.installedByLockFile !== true)
        problem(
          `"${command}"`,
          `which is neither on the PATH of the image ${input.image.ref} nor a command of the image's production dependencies`,
          MANAGERS.has(command)
            ? `start with npm or node (a Procfile line such as "web: node server.js"), or run on an image that has ${command}`
            : `a package's command is on the PATH when the package is a production dependency; a Procfile line names what starts the app, such as "web: node dist/main.js"`,
        );
    }
  }
  if (problems.length > 0) throw new UserError(problems);
}

interface Script {
  name: string;
  text: string;
}

/** The first word of each simple command `text` runs, following package-manager scripts. */
function* firstWords(
  text: string,
  input: ProcessCommandsInput,
  via: readonly Script[],
): Generator<{
  command: string;
  args: readonly string[];
  via: readonly Script[];
  fetched: boolean;
  /** The command runs a package-manager script (`npm start`, `yarn build`). */
  runsScript: boolean;
}> {
  for (const words of simpleCommands(text)) {
    let rest = dropWhile(words, isAssignment);
    let fetched = false;
    for (let command = rest[0]; command !== undefined && !command.includes('/'); command = rest[0]) {
      const args = rest.slice(1);
      const scripts = scriptRun(command, args, input);
      if (scripts !== undefined) {
        yield { command, args, via, fetched, runsScript: true };
        for (const name of scripts) {
          const body = input.scripts[name];
          if (typeof body !== 'string' || via.some((s) => s.name === name)) continue;
          yield* firstWords(body, input, [...via, { name, text: body }]);
        }
        break;
      }
      const inner = shellCommand(command, args);
      if (inner !== undefined) {
        yield { command, args, via, fetched, runsScript: false };
        yield* firstWords(inner, input, via);
        break;
      }
      if (command === 'cross-env' || !PREFIXES.has(command))
        yield { command, args, via, fetched, runsScript: false };
      fetched ||= command === 'npx';
      // npx with options may name a package to fetch: what it runs is not the image's to hold.
      if (!PREFIXES.has(command) || (command === 'npx' && args[0]?.startsWith('-'))) break;
      rest = dropWhile(args, (w) => w.startsWith('-') || isAssignment(w));
    }
  }
}

/** Shells whose `-c` string is read as the commands it runs. */
const SHELLS = new Set(['sh', 'bash', 'dash', 'ash', 'zsh']);

/** The command string of `sh -c '…'` (or `bash -lc`, `sh -ec`: `c` among the first options). */
function shellCommand(command: string, args: readonly string[]): string | undefined {
  if (!SHELLS.has(command)) return undefined;
  const options = args.findIndex((a) => !a.startsWith('-'));
  const flags = options < 0 ? args : args.slice(0, options);
  if (!flags.some((f) => /^-[a-z]*c[a-z]*$/.test(f))) return undefined;
  return options < 0 ? undefined : args[options];
}

/** The modules node's options before the script preload. */
function preloads(args: readonly string[]): Array<{ option: string; module: string }> {
  const out: Array<{ option: string; module: string }> = [];
  for (let i = 0; i < args.length && args[i]?.startsWith('-'); i++) {
    const [option = '', inline] = (args[i] ?? '').split(/=(.*)/s);
    if (!PRELOADS.has(option)) continue;
    const module = inline ?? args[++i];
    if (module !== undefined) out.push({ option, module });
  }
  return out;
}

/** The package a bare module specifier names (`dotenv/config` → `dotenv`); undefined for a path or URL. */
function packageOf(specifier: string): string | undefined {
  if (/^[./]|^[a-z]+:/.test(specifier)) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function dropWhile(words: readonly string[], skip: (word: string) => boolean): readonly string[] {
  const i = words.findIndex((w) => !skip(w));
  return i < 0 ? [] : words.slice(i);
}

/** The scripts a package-manager command runs (with npm's and Yarn's `pre` script first), if it runs one. */
function scriptRun(
  command: string,
  args: readonly string[],
  input: ProcessCommandsInput,
): string[] | undefined {
  if (!MANAGERS.has(command)) return undefined;
  const [verb, name] = args.filter((a) => !a.startsWith('-'));
  if (verb === undefined) return undefined;
  const script =
    verb === 'run' || verb === 'run-script'
      ? name
      : command === 'npm'
        ? NPM_SCRIPT_COMMANDS.has(verb)
          ? verb
          : undefined
        : typeof input.scripts[verb] === 'string'
          ? verb
          : undefined;
  if (script === undefined) return undefined;
  // pnpm runs `pre` scripts only when told to (enable-pre-post-scripts).
  return command === 'pnpm' ? [script] : [`pre${script}`, script];
}

/** The words of each simple command of a list or pipeline, variables left as written. */
function simpleCommands(text: string): string[][] {
  const out: string[][] = [[]];
  for (const token of parse(text, (name) => `$${name}`)) {
    if (typeof token === 'string') out.at(-1)?.push(token);
    else if ('op' in token && token.op === 'glob') out.at(-1)?.push(token.pattern);
    else if ('op' in token) out.push([]);
    else if ('comment' in token) break;
  }
  return out.filter((words) => words.length > 0);
}

function isAssignment(word: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*=/.test(word);
}
