import { exec, type ExecResult } from '../../core/exec.js';
import type { UrlCredentials } from '../../inputs/types.js';
import { gitInvocation } from './git-env.js';

export interface RunGitOptions {
  /** The repository to run in (`git -C`); a bare clone works as well as a work tree. */
  cwd?: string;
  credentials?: UrlCredentials;
  signal?: AbortSignal;
  input?: string;
}

/** Runs git with prompts disabled and credentials (if any) passed through the environment. */
export async function runGit(args: readonly string[], opts: RunGitOptions = {}): Promise<ExecResult> {
  const inv = gitInvocation(opts.credentials, process.env);
  const cwdArgs = opts.cwd !== undefined ? ['-C', opts.cwd] : [];
  return await exec('git', [...inv.args, ...cwdArgs, ...args], {
    env: inv.env,
    signal: opts.signal,
    input: opts.input,
  });
}

/** Why a git command that talked to a remote failed, judged from its stderr. */
export type GitFailureKind = 'auth' | 'missing-repository' | 'unreachable' | 'local';

/**
 * Sorts a failure into what the user must fix. `local` means nothing points at the remote:
 * the cached clone itself is suspect, which the clone cache answers by re-cloning once.
 */
export function classifyGitFailure(stderr: string): GitFailureKind {
  if (
    /Authentication failed|could not read (Username|Password)|terminal prompts disabled|HTTP Basic: Access denied|403 Forbidden|returned error: 40[13]|Permission denied \(publickey|Invalid username or password/i.test(
      stderr,
    )
  )
    return 'auth';
  if (
    /does not appear to be a git repository|Repository not found|repository '[^']*' not found|returned error: 404|not found: did you run git update-server-info/i.test(
      stderr,
    )
  )
    return 'missing-repository';
  if (
    /unable to access|Could not resolve host|Connection refused|Connection timed out|Could not read from remote repository|unable to connect|Network is unreachable|early EOF|remote end hung up/i.test(
      stderr,
    )
  )
    return 'unreachable';
  return 'local';
}

/** git's own explanation: its first `fatal:`/`error:` line, else its last line. */
export function lastGitLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const fatal = lines.find((l) => /^(fatal|error):/.test(l));
  return (fatal ?? lines[lines.length - 1] ?? '').replace(/^(fatal|error):\s*/, '');
}
