import type { CodeStep, KeptImage } from '../../build-types/build-type.js';
import { InternalError } from '../../core/user-error.js';
import { runCodeStep, type CodeStepRuntime } from '../containers/run-code-step.js';
import type { DockerEngine, EngineOutput } from '../engines/docker-engine.js';
import type { ImageRef } from '../../inputs/types.js';

/**
 * Kept images are tags of the service's own repository (`registry/team/api:build-deps-<key>`),
 * never pushed: `docker images <repository>` lists them beside its images, and one project's
 * kept images are told from another's by the repository.
 */
const TAG_PREFIX = 'build-deps-';
/** The label naming the repository an image was kept for: its older ones are removed by it. */
const KEPT_FOR = 'org.taskcluster-installer.kept-for';
/** How many kept images of a service the engine holds: the one in use and the one before. */
const KEPT_PER_SERVICE = 2;

/** Whether `ref` is one of the kept images of the service whose images are tagged like `tag`. */
export function isKeptImage(tag: ImageRef, ref: string): boolean {
  return ref.startsWith(`${repositoryOf(tag)}:${TAG_PREFIX}`);
}

/** `ToolBuildContext.keptImage` for the build of the service whose image is `tag`. */
export async function keptImage(
  key: string,
  make: () => Promise<CodeStep>,
  opts: { tag: ImageRef; noCache: boolean; runtime: CodeStepRuntime; out: Omit<EngineOutput, 'label'> },
): Promise<KeptImage | undefined> {
  const { runtime } = opts;
  if ((await runtime.engineUnreachable()) !== undefined) return undefined;
  if (!/^[0-9a-f]{16,64}$/.test(key)) throw new InternalError(`kept image key "${key}" is not a hash`);
  const repository = repositoryOf(opts.tag);
  const ref = `${repository}:${TAG_PREFIX}${key}`;
  if (!opts.noCache && (await runtime.engine.imageExists(ref))) return { ref, reused: true };
  await runCodeStep(await make(), opts.out, runtime, { ref, labels: { [KEPT_FOR]: repository } });
  await removeOlder(runtime.engine, repository, ref);
  return { ref, reused: false };
}

function repositoryOf(tag: ImageRef): string {
  return tag.slice(0, tag.lastIndexOf(':'));
}

/**
 * The repository's kept images but the newest few. One still in use (a container of another
 * build on the same engine) stays, as `docker rmi` refuses it: it goes after a later build.
 */
async function removeOlder(engine: DockerEngine, repository: string, ref: string): Promise<void> {
  const kept = (await engine.imageInfo(ref))?.id;
  const others = (await engine.imagesLabelled(`${KEPT_FOR}=${repository}`))
    .filter((i) => i.id !== kept)
    .sort((a, b) => b.created - a.created);
  for (const old of others.slice(KEPT_PER_SERVICE - 1))
    await engine.removeImage(old.id).catch(() => undefined);
}
