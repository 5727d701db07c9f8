/**
 * What node-gyp, make and the shells print when an install script needs a build tool its image
 * lacks (a native module without a prebuilt binary for this platform, as bcrypt or pprof).
 */
const MISSING_BUILD_TOOL = [
  /gyp ERR! find Python/,
  // node-gyp 12 (npm 11): its "find Python" lines come before the last lines the error keeps.
  /gyp ERR! stack Error: Could not find any Python installation/,
  /gyp ERR! stack Error: not found: make/,
  /(?:^|[\s:])(?:g\+\+|gcc|cc|c\+\+|make|python3?): (?:command )?not found/,
  /(?:^|[\s:])(?:g\+\+|gcc|cc|c\+\+|make): No such file or directory/,
];

/**
 * The hint of an install that failed for want of a compiler: the package manager's own error
 * says only that a script failed, and the way out is a field of ours.
 */
export function buildToolsHint(image: string): (lastLines: readonly string[]) => string | undefined {
  return (lastLines) =>
    lastLines.some((l) => MISSING_BUILD_TOOL.some((re) => re.test(l)))
      ? `an install script needs build tools (a C/C++ compiler, make, Python) that ${image} lacks: ` +
        'give buildImage an image that has them and the same Node.js and C library as the run image'
      : undefined;
}
