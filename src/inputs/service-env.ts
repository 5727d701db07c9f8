import { formatPath, type Problem } from '../core/problem.js';
import type { Redactor } from '../core/redact.js';
import { UserError } from '../core/user-error.js';
import type { SecretsWhere } from './build-secrets.js';

/** A service and the environment variables its fields read with `!env`. */
export interface ServiceEnvNames {
  service: string;
  /** Its index in `build.repositories`, for error paths. */
  index: number;
  names: readonly string[];
}

/**
 * The values of the environment variables each service reads (`!env NAME` in its `env:`), by
 * service and name, taken from the build's environment before any work. Every variable that is
 * not set, over all the services, is reported in one UserError naming the service and the
 * variable. Values are registered with the redactor: they may be tokens.
 */
export function loadServiceEnv(
  services: readonly ServiceEnvNames[],
  env: NodeJS.ProcessEnv,
  opts: SecretsWhere & { redactor?: Redactor } = {},
): Map<string, Map<string, string>> {
  const problems: Problem[] = [];
  const loaded = new Map<string, Map<string, string>>();
  for (const wanted of services) {
    const values = new Map<string, string>();
    for (const name of wanted.names) {
      const value = env[name];
      if (value !== undefined) {
        values.set(name, value);
        opts.redactor?.add(value);
        continue;
      }
      const path = ['repositories', wanted.index, 'service', 'env'];
      const line = opts.lineOf?.(path);
      problems.push({
        ...(opts.file !== undefined && { file: opts.file }),
        ...(line !== undefined && { line }),
        path: formatPath(path),
        message: `service "${wanted.service}" reads the environment variable ${name} (!env ${name}), which is not set`,
        hint: `set ${name} for the build, or write the value in build.yml`,
      });
    }
    loaded.set(wanted.service, values);
  }
  if (problems.length > 0) throw new UserError(problems);
  return loaded;
}
