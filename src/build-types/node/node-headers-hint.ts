/**
 * node-gyp's words when it cannot reach the server of Node.js's headers, which it fetches before
 * compiling unless `nodedir` names a folder that has them (node-gyp 12: only on ENOTFOUND).
 */
const HEADERS_UNREACHABLE = /gyp ERR! stack is related to network connectivity/;

/**
 * The hint of an install whose native module could not compile for want of Node.js's headers:
 * a build machine that reaches the npm registry but not nodejs.org (as behind a firewall) gets
 * only node-pre-gyp's trace in the last lines, and the way out is a setting of node-gyp's.
 */
export function nodeHeadersHint(image: string): (lines: readonly string[]) => string | undefined {
  return (lines) =>
    lines.some((l) => HEADERS_UNREACHABLE.test(l))
      ? `node-gyp could not download Node.js's headers to compile a native module (nodejs.org is not reachable from ${image}): ` +
        "set env npm_config_nodedir to the install image's Node.js folder that has include/node (/usr/local in the official node images)"
      : undefined;
}
