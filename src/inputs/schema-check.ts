import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Ajv, ErrorObject, Options, SchemaObject, ValidateFunction } from 'ajv';
import { precompiledValidators } from './schema-validators.generated.js';

/** One schema violation: where (path segments) and a message a person can act on. */
export interface SchemaIssue {
  path: Array<string | number>;
  message: string;
  hint?: string;
}

export type SchemaCheck = (data: unknown) => SchemaIssue[];

export const AJV_OPTIONS: Options = { allErrors: true, verbose: true, strict: true, allowUnionTypes: true };

/**
 * Our schemas may carry two annotations that turn ajv's terse errors into readable ones:
 * `errorText` replaces the message of a failed `pattern`/`enum`/`minLength`, and
 * `unknownFieldText` words the "unknown field" message of an object (e.g. per build type).
 */
export const SCHEMA_ANNOTATIONS = ['errorText', 'unknownFieldText'];

/** Every schema given to compileSchema, in order: what scripts/generate-schema-validators.ts precompiles. */
export const compiledSchemas: SchemaObject[] = [];

/** Names a schema by its content, so a precompiled validator is used only for the schema it was made from. */
export function schemaKey(schema: SchemaObject): string {
  return createHash('sha256').update(JSON.stringify(schema)).digest('hex').slice(0, 16);
}

let ajv: Ajv | undefined;

/**
 * ajv's own compiler, for a schema changed since src/inputs/schema-validators.generated.ts was
 * made (a unit test catches that). Loaded only then: importing ajv and compiling our schemas
 * costs about 100 ms, a third of a no-op build.
 */
function compileNow(schema: SchemaObject): ValidateFunction {
  if (ajv === undefined) {
    const { Ajv: AjvClass } = createRequire(import.meta.url)('ajv') as { Ajv: typeof Ajv };
    ajv = new AjvClass(AJV_OPTIONS);
    ajv.addVocabulary(SCHEMA_ANNOTATIONS);
  }
  return ajv.compile(schema);
}

/** Compiles `schema` once; the returned check never throws for any data, however nested. */
export function compileSchema(schema: SchemaObject): SchemaCheck {
  compiledSchemas.push(schema);
  const validate = precompiledValidators[schemaKey(schema)] ?? compileNow(schema);
  return (data) => {
    try {
      if (validate(data)) return [];
    } catch (e) {
      if (e instanceof RangeError) return [{ path: [], message: 'nesting is too deep to check' }];
      throw e;
    }
    return (validate.errors ?? []).map(toIssue);
  };
}

function toIssue(err: ErrorObject): SchemaIssue {
  const path = pointerToPath(err.instancePath);
  const parent = (err.parentSchema ?? {}) as SchemaObject;
  switch (err.keyword) {
    case 'required':
      return { path: [...path, String(err.params['missingProperty'])], message: 'required field is missing' };
    case 'additionalProperties': {
      const known = Object.keys((parent['properties'] ?? {}) as object).filter((k) => !HIDDEN_FIELDS.has(k));
      return {
        path: [...path, String(err.params['additionalProperty'])],
        message:
          typeof parent['unknownFieldText'] === 'string' ? parent['unknownFieldText'] : 'unknown field',
        ...(known.length > 0 && { hint: `known fields: ${known.join(', ')}` }),
      };
    }
    case 'type':
      // A union type (`node: 20` or `"20"`) reads better as the field's own wording.
      if (Array.isArray(parent['type']) && typeof parent['errorText'] === 'string') {
        return { path, message: parent['errorText'] };
      }
      return { path, message: `must be ${describeTypes(err.params['type'])}` };
    case 'enum': {
      if (typeof parent['errorText'] === 'string') return { path, message: parent['errorText'] };
      const allowed = (err.params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v));
      return { path, message: `must be ${joinOr(allowed)}` };
    }
    default:
      return {
        path,
        message:
          typeof parent['errorText'] === 'string' ? parent['errorText'] : (err.message ?? 'is invalid'),
      };
  }
}

/** Fields that are accepted but not worth suggesting (old spellings, release-only fields). */
const HIDDEN_FIELDS = new Set([
  'buildtype',
  'buildType',
  'dockerImage',
  'buildKey',
  'engine',
  'reproducible',
  'imageDigest',
]);

function pointerToPath(pointer: string): Array<string | number> {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  object: 'a mapping',
  array: 'a list',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  null: 'null',
};

function describeTypes(types: unknown): string {
  const list = Array.isArray(types) ? types : String(types).split(',');
  return joinOr(list.map((t) => TYPE_WORDS[String(t)] ?? String(t)));
}

function joinOr(items: string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return items.slice(0, -1).join(', ') + ' or ' + items[items.length - 1];
}
