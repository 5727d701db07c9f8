import type { UrlCredentials } from '../../inputs/types.js';

/**
 * A credential helper that answers git's `get` request from the environment. The secret
 * travels only through the child's environment: never in argv (which `ps` shows), never in a
 * config file. Other actions (`store`, `erase`) are ignored so nothing is saved.
 */
const ENV_HELPER =
  '!f() { test "$1" = get || exit 0; printf "username=%s\\npassword=%s\\n" "$TCI_GIT_USER" "$TCI_GIT_PASS"; }; f';

export interface GitInvocation {
  /** Global options that go before the git subcommand. */
  args: string[];
  env: NodeJS.ProcessEnv;
}

/**
 * How to run git so that it never waits for a prompt and never sees or saves the user's
 * credentials through their own helpers. `credential.helper=` (empty) clears every helper
 * configured before it, including URL-specific ones, because `-c` options are read last.
 * `GIT_TERMINAL_PROMPT=0` alone does not stop git from running `GIT_ASKPASS`, so the askpass
 * programs are pointed at `/bin/false`: a prompt fails at once instead of hanging.
 */
export function gitInvocation(
  credentials: UrlCredentials | undefined,
  base: NodeJS.ProcessEnv,
): GitInvocation {
  const env: NodeJS.ProcessEnv = {
    ...base,
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '/bin/false',
    SSH_ASKPASS: '/bin/false',
    GCM_INTERACTIVE: 'never',
    GIT_SSH_COMMAND: `${base['GIT_SSH_COMMAND'] ?? 'ssh'} -o BatchMode=yes`,
    LC_ALL: 'C',
  };
  delete env['TCI_GIT_USER'];
  delete env['TCI_GIT_PASS'];
  const args = ['-c', 'credential.helper='];
  if (
    credentials !== undefined &&
    (credentials.username !== undefined || credentials.password !== undefined)
  ) {
    env['TCI_GIT_USER'] = credentials.username ?? '';
    env['TCI_GIT_PASS'] = credentials.password ?? '';
    args.push('-c', `credential.helper=${ENV_HELPER}`);
  }
  return { args, env };
}
