import type { SchemaObject } from 'ajv';
import type { SchemaCheck } from './schema-check.js';
import type { GitSource } from './types.js';

export type FieldPath = Array<string | number>;

/** What reading one service's fields may use: where it is, and how to report what is wrong. */
export interface ServiceReadContext {
  /** The repository's name. */
  name: string;
  /** Its index in `build.repositories`, for error paths. */
  index: number;
  /** Records a problem at a path inside the service (`['context']`), with the file and line. */
  report(path: FieldPath, message: string, hint?: string): void;
  /** Parses a `<git url>#<ref>` written in the service (a buildpack), credentials split off; problems reported. */
  readSource(value: unknown, path: FieldPath): GitSource | undefined;
}

/**
 * What the spec loader needs of a build type: its name, the schema part of its service fields
 * and their reading into a typed service `S`. The build types themselves (src/build-types/)
 * implement it; the loader is handed the list, so this layer imports none of them.
 */
export interface ServiceType<S> {
  readonly name: string;
  /** The JSON Schema of the service object for this type (see `serviceSchema`). */
  readonly schema: SchemaObject;
  /** `schema` compiled at module load (so `npm run generate:validators` precompiles it). */
  readonly check: SchemaCheck;
  /** Fields that passed `check`, read into the typed service; undefined after reporting problems. */
  read(fields: Record<string, unknown>, ctx: ServiceReadContext): S | undefined;
}
