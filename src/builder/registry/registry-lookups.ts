import type { Emit } from '../../core/events.js';
import { OnceByKey } from '../../core/once-by-key.js';
import type { Redactor } from '../../core/redact.js';
import type { BuildConfig, Digest, ImageRef, RegistryCredentials } from '../../inputs/types.js';
import { headManifest } from './head-manifest.js';
import { parseImageRef } from './parse-image-ref.js';
import { resolveRegistryAuth } from './resolve-registry-auth.js';

/**
 * One credential lookup per registry host per build. Passwords found in the Docker config are
 * registered for redaction like those of the build config.
 */
export function registryAuthLookup(
  config: BuildConfig,
  emit: Emit,
  redactor: Redactor,
): (ref: string) => Promise<RegistryCredentials | undefined> {
  const byHost = new OnceByKey<string, RegistryCredentials | undefined>();
  return (ref) =>
    byHost.get(parseImageRef(ref).registry, async (host) => {
      const creds = await resolveRegistryAuth(host, config, {
        warn: (message) => emit({ kind: 'warning', message }),
      });
      redactor.add(creds?.password);
      return creds;
    });
}

export async function headOnce(
  ref: ImageRef,
  authFor: (ref: string) => Promise<RegistryCredentials | undefined>,
  signal: AbortSignal,
): Promise<Digest | undefined> {
  return await headManifest(ref, await authFor(ref), { signal });
}
