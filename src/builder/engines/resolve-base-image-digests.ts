import { isUserError, UserError } from '../../core/user-error.js';
import type { RegistryCredentials } from '../../inputs/types.js';
import type { DockerEngine, ImageInfo } from './docker-engine.js';

export interface BaseImageDigest {
  ref: string;
  /** `sha256:…`: the registry (manifest) digest, or the local image ID when there is none. */
  digest: string;
  source: 'registry' | 'local';
}

/**
 * What each base image of a service is, for the build key (docs/caching.md#build-keys): its registry digest
 * when the daemon knows one, else its local image ID. An image missing from the daemon is
 * pulled with the credentials `authFor` gives for it; one that cannot be had is a UserError
 * naming the service and the image.
 */
export async function resolveBaseImageDigests(
  service: string,
  refs: readonly string[],
  engine: DockerEngine,
  authFor: (ref: string) => Promise<RegistryCredentials | undefined>,
  signal?: AbortSignal,
): Promise<BaseImageDigest[]> {
  return await Promise.all(
    refs.map(async (ref) => {
      let info = await engine.imageInfo(ref);
      if (!info) {
        try {
          await engine.pull(ref, await authFor(ref), signal);
        } catch (e) {
          if (!isUserError(e)) throw e;
          const reason = e.problems[0];
          throw new UserError(
            {
              message: `service "${service}": base image "${ref}" is not in the Docker daemon and could not be pulled: ${reason?.message ?? e.message}`,
              ...(reason?.hint !== undefined ? { hint: reason.hint } : {}),
            },
            { cause: e },
          );
        }
        info = await engine.imageInfo(ref);
        if (!info) {
          throw new UserError({
            message: `service "${service}": base image "${ref}" is still missing after a pull`,
          });
        }
      }
      return digestOf(ref, info);
    }),
  );
}

/** How the build key identifies base image `ref`, given what an engine knows of it. */
export function digestOf(ref: string, info: ImageInfo): BaseImageDigest {
  const pinned = /@(sha256:[0-9a-f]{64})$/.exec(ref);
  if (pinned) return { ref, digest: pinned[1] as string, source: 'registry' };
  // Only the digest from the reference's own repository counts: pushing the same image under
  // another name adds RepoDigests, and that must not change the build key of what uses it.
  const repo = normalizeRepo(repositoryOf(ref));
  const own = info.repoDigests.find((d) => normalizeRepo(d.slice(0, d.indexOf('@'))) === repo);
  const digest = own?.slice(own.indexOf('@') + 1);
  if (digest !== undefined && digest.startsWith('sha256:')) return { ref, digest, source: 'registry' };
  return { ref, digest: info.id, source: 'local' };
}

/** `host:5000/a/b:tag` or `a/b@sha256:…` → `host:5000/a/b`. */
export function repositoryOf(ref: string): string {
  return ref.replace(/@sha256:[0-9a-f]+$/, '').replace(/:[^/:]*$/, '');
}

function normalizeRepo(repo: string): string {
  return repo.replace(/^(docker\.io|index\.docker\.io)\//, '').replace(/^library\//, '');
}
