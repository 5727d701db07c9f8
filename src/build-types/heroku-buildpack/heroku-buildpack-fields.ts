import { UserError } from '../../core/user-error.js';
import { serviceSchema } from '../../inputs/build-schema.js';
import { compileSchema } from '../../inputs/schema-check.js';
import type { ServiceReadContext } from '../../inputs/service-types.js';
import type { GitSource } from '../../inputs/types.js';
import {
  contextField,
  isInsideRepository,
  OUTSIDE_REPOSITORY,
  repositoryFolder,
} from '../repository-path.js';

/** A `heroku-buildpack` service's fields, checked; the buildpack parsed as a source (credentials split off). */
export interface HerokuBuildpackFields {
  buildpack: GitSource;
  /** `heroku-<N>` */
  stack: string;
  /** The app's folder in the repository: '' for its root. */
  context: string;
}

/** The schema part of the `heroku-buildpack` build type. */
export const herokuBuildpackSchema = serviceSchema('heroku-buildpack', ['buildpack', 'stack'], {
  buildpack: { type: 'string' },
  stack: { type: 'string', pattern: '^heroku-[0-9]+$', errorText: 'must be "heroku-<N>", e.g. "heroku-16"' },
  context: contextField,
});

export const checkHerokuBuildpackSchema = compileSchema(herokuBuildpackSchema);

export function readHerokuBuildpackFields(
  service: Record<string, unknown>,
  ctx: ServiceReadContext,
): HerokuBuildpackFields | undefined {
  const buildpack = ctx.readSource(service['buildpack'], ['buildpack']);
  const context = typeof service['context'] === 'string' ? service['context'] : '';
  if (!isInsideRepository(context)) {
    ctx.report(['context'], OUTSIDE_REPOSITORY);
    return undefined;
  }
  return buildpack === undefined
    ? undefined
    : { buildpack, stack: service['stack'] as string, context: repositoryFolder(context) };
}

/** The stack's images: `heroku-<N>` → `heroku/heroku:<N>-build` and `heroku/heroku:<N>`, each replaceable via `images`. */
export function stackImages(
  f: HerokuBuildpackFields,
  images: Readonly<Record<string, string>>,
  at: { name: string; index: number },
): { stack: string; build: string; run: string } {
  const n = /^heroku-(\d+)$/.exec(f.stack)?.[1];
  if (n === undefined) {
    // The schema refuses such a stack when the spec is read; this names it for any other caller.
    throw new UserError({
      path: `repositories[${at.index}].service.stack`,
      message: `service "${at.name}": stack "${f.stack}" is not of the form heroku-<N>`,
      hint: 'e.g. heroku-16; the build config can map its images (heroku/heroku:16-build, heroku/heroku:16) through `images`',
    });
  }
  const map = (ref: string) => images[ref] ?? ref;
  return { stack: f.stack, build: map(`heroku/heroku:${n}-build`), run: map(`heroku/heroku:${n}`) };
}
