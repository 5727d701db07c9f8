/** A problem with the user's input or environment, as data; the CLI decides how it looks. */
export interface Problem {
  /** File the problem is in, as the user named it (relative paths stay relative). */
  file?: string;
  /** 1-based line inside `file`, when the file is YAML or otherwise line-addressable. */
  line?: number;
  /** Path inside the file, e.g. `repositories[2].service.buildType`. */
  path?: string;
  message: string;
  hint?: string;
}

/** `build.yml:14: repositories[2].kind: must be "service" or "other"` */
export function formatProblem(p: Problem): string {
  let where = '';
  if (p.file !== undefined) where += p.file + (p.line !== undefined ? `:${p.line}` : '') + ': ';
  if (p.path !== undefined && p.path !== '') where += p.path + ': ';
  return where + p.message + (p.hint !== undefined ? ` (hint: ${p.hint})` : '');
}

/** Formats a path like `repositories[2].service.buildType` from its segments. */
export function formatPath(segments: ReadonlyArray<string | number>): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(s)) out += (out === '' ? '' : '.') + s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}
