import { isUserError, UserError } from '../../core/user-error.js';

/**
 * What node-gyp, make and the shells print when an install script needs a build tool its image
 * lacks (a native module without a prebuilt binary for this platform, as bcrypt or pprof).
 */
const MISSING_BUILD_TOOL = [
  /gyp ERR! find Python/,
  /gyp ERR! stack Error: not found: make/,
  /(?:^|[\s:])(?:g\+\+|gcc|cc|c\+\+|make|python3?): (?:command )?not found/,
  /(?:^|[\s:])(?:g\+\+|gcc|cc|c\+\+|make): No such file or directory/,
];

/**
 * A failed install whose last lines show a missing compiler gets the way out as its hint: the
 * package manager's own error says only that a script failed, and the fix is a field of ours.
 */
export function withBuildToolsHint(e: unknown, image: string): unknown {
  if (!isUserError(e) || !e.details.some((l) => MISSING_BUILD_TOOL.some((re) => re.test(l)))) return e;
  const hint =
    `an install script needs build tools (a C/C++ compiler, make, Python) that ${image} lacks: ` +
    'give buildImage an image that has them and the same Node.js and C library as the run image';
  const [first, ...rest] = e.problems;
  if (first === undefined) return e;
  return new UserError(
    [{ ...first, hint: first.hint === undefined ? hint : `${hint}; ${first.hint}` }, ...rest],
    {
      exitCode: e.exitCode,
      details: e.details,
      cause: e.cause,
    },
  );
}
