import type { Problem } from '../../core/problem.js';
import type { GitRemoteError } from './git-remote-error.js';
import type { SourceRequest } from './source-request.js';

/**
 * What went wrong with one repository entry, in the user's terms: the entry (file and path),
 * the credential-free URL and, where it matters, the ref.
 */
export function sourceProblem(req: SourceRequest, err: GitRemoteError): Problem {
  const where = { file: req.where.file, path: req.where.path };
  const url = req.source.url;
  const ref = req.source.ref;
  const because = err.detail !== '' ? ` (git: ${err.detail})` : '';
  switch (err.kind) {
    case 'auth':
      return {
        ...where,
        message: `credentials for ${url} were refused or are missing${because}`,
        hint:
          req.source.credentials !== undefined
            ? 'check the user name and token in the source URL'
            : 'put a token in the source URL (https://<token>@host/…) or use an ssh URL with a key in your agent',
      };
    case 'missing-repository':
      return { ...where, message: `repository ${url} not found${because}`, hint: 'check the URL in source' };
    case 'unreachable':
      return {
        ...where,
        message: `cannot reach ${url}${because}`,
        hint: 'check the network and the host name',
      };
    case 'unknown-ref':
      return {
        ...where,
        message: `ref "${err.ref ?? ref ?? 'HEAD'}" not found in ${url}`,
        hint:
          err.ref === 'HEAD'
            ? 'the repository has no default branch; name a branch, tag or commit after #'
            : 'was the branch or tag deleted or renamed? name an existing branch, tag or full commit after #',
      };
    case 'missing-commit':
      return {
        ...where,
        message: `commit ${err.ref ?? ref ?? ''} not found in ${url}${because}`,
        hint: 'was it removed by a force-push? name an existing branch, tag or full commit after #',
      };
    case 'local':
      return { ...where, message: `git failed on ${url}${because}` };
    default: {
      const never: never = err.kind;
      return never;
    }
  }
}
