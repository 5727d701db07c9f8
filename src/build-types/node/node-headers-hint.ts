/** node-gyp's own explanation when the headers' server does not resolve (ENOTFOUND). */
const NOT_FOUND = /gyp ERR! stack is related to network connectivity/;
/** What node-gyp warns as it removes the headers folder it could not fill, whatever the error. */
const ROLLED_BACK = /gyp WARN install got an error, rolling back install/;
/** The errors of a download: a timeout, a refused or reset connection, a proxy's certificate, an HTTP status. */
const DOWNLOAD_ERROR =
  /gyp ERR! stack .*(ETIMEDOUT|ECONNRESET|ECONNREFUSED|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|certificate|CERT_|status code|response downloading)/;

/**
 * The hint of an install whose native module could not compile for want of Node.js's headers,
 * which node-gyp downloads before it compiles unless `nodedir` names a folder that has them:
 * a build machine that reaches the npm registry but not nodejs.org (as behind a firewall) gets
 * only node-pre-gyp's trace in the last lines, and the way out is a setting of node-gyp's.
 */
export function nodeHeadersHint(image: string): (lines: readonly string[]) => string | undefined {
  return (lines) =>
    lines.some((l) => NOT_FOUND.test(l)) ||
    (lines.some((l) => ROLLED_BACK.test(l)) && lines.some((l) => DOWNLOAD_ERROR.test(l)))
      ? `node-gyp could not download Node.js's headers to compile a native module (from nodejs.org, which ${image} cannot reach or whose certificate it does not trust): ` +
        "set env npm_config_nodedir to the install image's Node.js folder that has include/node (/usr/local in the official node images)"
      : undefined;
}
