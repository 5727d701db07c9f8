import { UserError } from '../../core/user-error.js';
import type { RegistryCredentials } from '../../inputs/types.js';
import type { RegistryResponse } from './registry-request.js';

/**
 * The registry refused the request after we authenticated (401/403), or wants credentials we
 * do not have. Its own class so that a step with a fallback (a cross-repository mount the
 * token does not cover) can tell it apart. The message never holds a credential.
 */
export class RefusedError extends UserError {}

export function needsCredentials(registry: string): RefusedError {
  return new RefusedError({
    message: `registry ${registry} requires credentials`,
    hint: `give them in the build config (docker.registries["${registry}"]) or ~/.docker/config.json`,
  });
}

export function refusedCredentials(registry: string, auth: RegistryCredentials | undefined): RefusedError {
  if (!auth) return needsCredentials(registry);
  return new RefusedError({
    message: `registry ${registry} refused the credentials given for it`,
    hint: `check docker.registries["${registry}"] in the build config, or ~/.docker/config.json`,
  });
}

/**
 * An answer the step did not expect, with the registry's own error codes (`DIGEST_INVALID
 * (provided digest did not match uploaded content)`) when its body has them.
 */
export function unexpectedAnswer(registry: string, res: RegistryResponse, what: string): UserError {
  let codes = '';
  try {
    const parsed = JSON.parse(res.body.toString('utf8')) as {
      errors?: Array<{ code?: unknown; message?: unknown }>;
    };
    codes = (parsed.errors ?? [])
      .map((e) => [e.code, e.message].filter((s) => typeof s === 'string' && s !== '').join(' '))
      .filter((s) => s !== '')
      .join('; ')
      .slice(0, 300);
  } catch {
    // not a JSON error body: the status says enough
  }
  return new UserError({
    message: `registry ${registry} answered HTTP ${res.status} for ${what}${codes !== '' ? `: ${codes}` : ''}`,
  });
}
