/** What the `FROM` lines of a Dockerfile say, read without running Docker. */
export interface DockerfileStages {
  /** Images pulled from outside, in order, without duplicates: no `scratch`, no earlier stage. */
  baseImages: string[];
  /** Stage names (`FROM … AS name`), lowercase, in order. */
  stages: string[];
}

/**
 * Reads the base images of a Dockerfile as the legacy builder resolves them: parser directive
 * `# escape=`, line continuations, comment lines (also inside continuations), global `ARG`s
 * before the first `FROM` (a build arg overrides the default), `${VAR}` forms in `FROM`,
 * `--platform` flags, and `FROM <stage>` references. With `target`, stages after it are not
 * built, so their images are not counted.
 */
export function dockerfileBaseImages(
  text: string,
  opts: { buildArgs?: Record<string, string>; target?: string } = {},
): DockerfileStages {
  const args = new Map<string, string>();
  const baseImages: string[] = [];
  const stages: string[] = [];
  let seenFrom = false;
  for (const instruction of instructions(text)) {
    const m = /^(\S+)\s*(.*)$/s.exec(instruction);
    if (!m) continue;
    const keyword = (m[1] as string).toUpperCase();
    const rest = (m[2] as string).trim();
    if (keyword === 'ARG' && !seenFrom) {
      for (const word of words(rest)) {
        const eq = word.indexOf('=');
        const name = eq >= 0 ? word.slice(0, eq) : word;
        const value = opts.buildArgs?.[name] ?? (eq >= 0 ? unquote(word.slice(eq + 1)) : undefined);
        if (value !== undefined) args.set(name, value);
        else args.delete(name);
      }
    }
    if (keyword !== 'FROM') continue;
    if (opts.target !== undefined && stages.includes(opts.target.toLowerCase())) break;
    seenFrom = true;
    const fromWords = words(rest).filter((w) => !w.startsWith('--'));
    const image = substitute(fromWords[0] ?? '', args);
    if (fromWords.length >= 3 && (fromWords[1] as string).toLowerCase() === 'as') {
      stages.push((fromWords[2] as string).toLowerCase());
    } else {
      stages.push('');
    }
    const isStage = stages.slice(0, -1).includes(image.toLowerCase());
    if (image !== '' && image.toLowerCase() !== 'scratch' && !isStage && !baseImages.includes(image)) {
      baseImages.push(image);
    }
  }
  return { baseImages, stages: stages.filter((s) => s !== '') };
}

/** Joins continued lines and drops comments and blank lines, honouring `# escape=`. */
function instructions(text: string): string[] {
  const lines = text.split(/\r?\n/);
  let escape = '\\';
  // Parser directives are only recognised before any other line, comment or instruction.
  for (const line of lines) {
    const d = /^#\s*([a-zA-Z]+)\s*=\s*(\S+)\s*$/.exec(line);
    if (!d) break;
    if ((d[1] as string).toLowerCase() === 'escape' && (d[2] === '`' || d[2] === '\\')) escape = d[2];
  }
  const out: string[] = [];
  let current = '';
  let continuing = false;
  for (const raw of lines) {
    const trimmed = raw.trim();
    if (trimmed.startsWith('#') || (continuing && trimmed === '')) continue;
    const line = raw.replace(/\s+$/, '');
    if (line.endsWith(escape)) {
      current += line.slice(0, -1) + ' ';
      continuing = true;
      continue;
    }
    current += line;
    continuing = false;
    if (current.trim() !== '') out.push(current.trim());
    current = '';
  }
  if (current.trim() !== '') out.push(current.trim());
  return out;
}

/** Splits on whitespace, keeping quoted parts together. */
function words(s: string): string[] {
  return s.match(/(?:[^\s"']+|"[^"]*"|'[^']*')+/g) ?? [];
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
