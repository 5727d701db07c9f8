import {
  parseDockerfile,
  type DockerfileInstruction,
  type DockerfileWord,
} from './dockerfile-instructions.js';

/** An image reference in a Dockerfile: a `FROM`, a `COPY --from=` or a `RUN --mount=…,from=`. */
export interface ImageUse {
  /** The reference after `ARG` substitution, as the build will see it. */
  ref: string;
  /** The reference as written, with its place in the text. */
  word: DockerfileWord;
  /** When it names an earlier stage (by name, or by index for `COPY --from=`): that stage's index. */
  stage?: number;
}

export interface DockerfileStage {
  /** `FROM … AS name`, lower case. */
  name?: string;
  from: ImageUse;
  /** What its `COPY --from=` and `RUN --mount=…,from=` read. */
  uses: ImageUse[];
}

export interface DockerfileStages {
  stages: DockerfileStage[];
  /** The `# syntax=` directive's image, if any. */
  syntax?: DockerfileWord;
}

/**
 * The stages of a Dockerfile and every image each of them reads, with global `ARG` defaults
 * (overridden by build args) substituted as the builder substitutes them in `FROM` lines;
 * `--platform` and other flags are not images.
 */
export function dockerfileStages(
  text: string,
  buildArgs: Readonly<Record<string, string>> = {},
): DockerfileStages {
  const parsed = parseDockerfile(text);
  const args = new Map<string, string>();
  const stages: DockerfileStage[] = [];
  for (const instruction of parsed.instructions) {
    const current = stages.at(-1);
    if (instruction.keyword === 'ARG' && current === undefined) globalArgs(instruction, buildArgs, args);
    if (instruction.keyword === 'FROM') stages.push(fromStage(instruction, args, stages));
    if (current === undefined) continue;
    if (instruction.keyword === 'COPY' || instruction.keyword === 'ADD') {
      for (const w of instruction.words) {
        if (!w.text.startsWith('--')) break;
        if (w.text.startsWith('--from='))
          current.uses.push(use(part(w, '--from='.length), args, stages.slice(0, -1), true));
      }
    }
    if (instruction.keyword === 'RUN') {
      for (const w of instruction.words) {
        if (!w.text.startsWith('--')) break;
        const from = /^--mount=(?:.*,)?from=([^,]+)/.exec(w.text);
        if (from) {
          // The value's own place: the image name may stand again later in the flag (target=/alpine).
          const at = from.index + from[0].length - (from[1] as string).length;
          current.uses.push(
            use(part(w, at, at + (from[1] as string).length), args, stages.slice(0, -1), false),
          );
        }
      }
    }
  }
  const syntax = parsed.directives.get('syntax');
  return { stages, ...(syntax ? { syntax } : {}) };
}

function globalArgs(
  instruction: DockerfileInstruction,
  buildArgs: Readonly<Record<string, string>>,
  args: Map<string, string>,
): void {
  for (const { text: word } of instruction.words) {
    const eq = word.indexOf('=');
    const name = eq >= 0 ? word.slice(0, eq) : word;
    const value = Object.hasOwn(buildArgs, name)
      ? buildArgs[name]
      : eq >= 0
        ? unquote(word.slice(eq + 1))
        : undefined;
    if (value !== undefined) args.set(name, value);
    else args.delete(name);
  }
}

function fromStage(
  instruction: DockerfileInstruction,
  args: Map<string, string>,
  stages: DockerfileStage[],
): DockerfileStage {
  const words = instruction.words.filter((w) => !w.text.startsWith('--'));
  const image = words[0] ?? { text: '', start: 0, end: 0 };
  const named = words.length >= 3 && (words[1] as DockerfileWord).text.toLowerCase() === 'as';
  return {
    ...(named ? { name: (words[2] as DockerfileWord).text.toLowerCase() } : {}),
    from: use(image, args, stages, false),
    uses: [],
  };
}

/** An image reference; `earlier` are the stages before the one it stands in, which it may name. */
function use(
  word: DockerfileWord,
  args: Map<string, string>,
  earlier: DockerfileStage[],
  byIndex: boolean,
): ImageUse {
  const ref = substitute(word.text, args);
  const lower = ref.toLowerCase();
  let stage = earlier.findIndex((s) => s.name === lower);
  // `COPY --from=0` names a stage by its index.
  if (stage < 0 && byIndex && /^\d+$/.test(ref) && Number(ref) < earlier.length) stage = Number(ref);
  return { ref, word, ...(stage >= 0 ? { stage } : {}) };
}

/** The part of a word from `from` to `to` (character indexes of its text). */
function part(w: DockerfileWord, from: number, to = w.text.length): DockerfileWord {
  return { text: w.text.slice(from, to), start: w.start + from, end: w.start + to };
}

function unquote(s: string): string {
  return s.replace(/^"(.*)"$|^'(.*)'$/s, (_m, a: string | undefined, b: string | undefined) => a ?? b ?? '');
}

/** `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR:+alternative}`; unknown variables are empty. */
function substitute(s: string, args: Map<string, string>): string {
  return s.replace(
    /\$(?:\{(\w+)(?::([-+])([^}]*))?\}|(\w+))/g,
    (
      _m,
      braced: string | undefined,
      op: string | undefined,
      word: string | undefined,
      bare: string | undefined,
    ) => {
      const value = args.get((braced ?? bare) as string);
      if (op === '-') return value !== undefined && value !== '' ? value : (word ?? '');
      if (op === '+') return value !== undefined && value !== '' ? (word ?? '') : '';
      return value ?? '';
    },
  );
}
