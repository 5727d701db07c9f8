import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../core/user-error.js';
import type { GitSource, UrlCredentials } from './types.js';
import { checkRefFormat } from './ref-format.js';

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
/** scp-like syntax as git reads it: `[user[:password]@]host:path`, with no slash before the colon. */
const SCP_LIKE = /^(?:([^@/]+)@)?([^@/:]+):(.*)$/;
const MAX_SOURCE_LENGTH = 4096;
const SUPPORTED = 'https://, http://, ssh://, git@host:path, file:// or a local path';

/**
 * Parses a `<git url>#<ref>` source. Credentials leave the URL here, once: the userinfo of an
 * http(s) URL (a token often stands as the user name), and only the password of ssh:// and
 * scp-like URLs (the ssh user name is not a secret and selects the account). Local paths are
 * resolved against `specDir`; `url` stays as written so a spec means the same everywhere.
 */
export function parseSource(text: string, specDir: string, where: { file: string; path: string }): GitSource {
  const fail = (message: string, hint?: string): never => {
    throw new UserError({ file: where.file, path: where.path, message, ...(hint !== undefined && { hint }) });
  };
  if (text === '') fail('source is empty', 'write <git url>#<ref>');
  // Sources become git arguments: a huge one would fail to start git at all (E2BIG).
  if (text.length > MAX_SOURCE_LENGTH) fail(`source is longer than ${MAX_SOURCE_LENGTH} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\s\x00-\x1f\x7f]/.test(text)) fail('source must not contain whitespace or control characters');

  const hash = text.indexOf('#');
  const location = hash === -1 ? text : text.slice(0, hash);
  const ref = hash === -1 ? undefined : text.slice(hash + 1);
  if (location === '') fail('source has no URL before "#"');
  if (ref !== undefined) {
    if (ref === '') fail('source has an empty ref after "#"', 'leave out "#" to use the default branch');
    const bad = checkRefFormat(ref);
    if (bad !== undefined) fail(`ref "${ref}" is not a valid git ref: ${bad}`);
  }
  const withRef = (s: GitSource): GitSource => (ref === undefined ? s : { ...s, ref });

  const scheme = SCHEME.exec(location)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    const { clean, userinfo } = splitUserinfo(location);
    switch (scheme) {
      case 'http':
      case 'https': {
        if (!hasHost(clean)) fail(`${scheme} URL has no host`);
        return withRef({ url: clean, ...credentialsPart(decodeUserinfo(userinfo)) });
      }
      case 'ssh': {
        if (!hasHost(clean)) fail('ssh URL has no host');
        // ssh would read such a host as an option (`-oProxyCommand=…`): never a real host.
        if (clean.slice(clean.indexOf('://') + 3).startsWith('-'))
          fail('ssh URL host must not begin with "-"');
        const { user, credentials } = sshUserinfo(userinfo);
        return withRef({ url: user === undefined ? clean : insertUser(clean, user), ...credentials });
      }
      case 'file': {
        if (userinfo !== undefined) fail('file:// URL must not carry credentials');
        let localPath: string;
        try {
          localPath = fileURLToPath(location);
        } catch {
          return fail('file:// URL must name an absolute path on this machine', 'e.g. file:///srv/git/repo');
        }
        return withRef({ url: location, localPath });
      }
      default:
        return fail(`unsupported URL scheme "${scheme}://"`, `use ${SUPPORTED}`);
    }
  }

  const scp = isAbsolute(location) || location.startsWith('.') ? null : SCP_LIKE.exec(location);
  if (scp) {
    const [, userinfo, host, path] = scp;
    if (path === '') fail(`source "${host}:" has no repository path after ":"`);
    if (host?.startsWith('-') === true) fail('ssh host must not begin with "-"');
    const { user, credentials } = sshUserinfo(userinfo);
    return withRef({ url: `${user === undefined ? '' : user + '@'}${host}:${path}`, ...credentials });
  }
  return withRef({ url: location, localPath: resolve(specDir, location) });
}

/** The URL (or `<url>#<ref>`) without credentials, for printing and storing. Never throws. */
export function stripCredentials(url: string): string {
  const scheme = SCHEME.exec(url)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    const { clean, userinfo } = splitUserinfo(url);
    if (userinfo === undefined || scheme !== 'ssh') return clean;
    const { user } = sshUserinfo(userinfo);
    return user === undefined ? clean : insertUser(clean, user);
  }
  const scp = url.startsWith('/') || url.startsWith('.') ? null : SCP_LIKE.exec(url);
  if (scp?.[1] === undefined) return url;
  const { user } = sshUserinfo(scp[1]);
  return `${user === undefined ? '' : user + '@'}${scp[2]}:${scp[3]}`;
}

/** `scheme://[userinfo@]host/...` -> the URL without userinfo, and the raw userinfo. */
function splitUserinfo(url: string): { clean: string; userinfo?: string } {
  const start = url.indexOf('://') + 3;
  const rest = url.slice(start);
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
  const at = authority.lastIndexOf('@');
  if (at === -1) return { clean: url };
  return { clean: url.slice(0, start) + rest.slice(at + 1), userinfo: authority.slice(0, at) };
}

function insertUser(clean: string, user: string): string {
  const start = clean.indexOf('://') + 3;
  return clean.slice(0, start) + user + '@' + clean.slice(start);
}

/** WHATWG URL parsing would read `https:///r` as host "r"; git would not, so look at the text. */
function hasHost(clean: string): boolean {
  const rest = clean.slice(clean.indexOf('://') + 3);
  if (/^[/?#]|^$/.test(rest)) return false;
  try {
    return new URL(clean).hostname !== '';
  } catch {
    return false;
  }
}

function decodeUserinfo(userinfo: string | undefined): UrlCredentials {
  if (userinfo === undefined) return {};
  const colon = userinfo.indexOf(':');
  const user = colon === -1 ? userinfo : userinfo.slice(0, colon);
  const password = colon === -1 ? undefined : userinfo.slice(colon + 1);
  const out: UrlCredentials = {};
  if (user !== '') out.username = safeDecode(user);
  if (password !== undefined && password !== '') out.password = safeDecode(password);
  return out;
}

/** For ssh the user name stays in the URL; only a password is a credential. */
function sshUserinfo(userinfo: string | undefined): {
  user?: string;
  credentials: { credentials?: UrlCredentials };
} {
  const { username, password } = decodeUserinfo(userinfo);
  const colon = userinfo?.indexOf(':') ?? -1;
  const rawUser = userinfo === undefined ? undefined : colon === -1 ? userinfo : userinfo.slice(0, colon);
  return {
    ...(rawUser !== undefined && rawUser !== '' && username !== undefined && { user: rawUser }),
    credentials: password === undefined ? {} : { credentials: { password } },
  };
}

function credentialsPart(c: UrlCredentials): { credentials?: UrlCredentials } {
  return c.username === undefined && c.password === undefined ? {} : { credentials: c };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
