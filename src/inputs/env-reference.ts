/**
 * A value a spec reads from the environment of the build (`!env NAME` in build.yml, where a
 * field allows it): kept as this reference, never as the value, so a spec and the release made
 * from it say the same everywhere and hold no value of the machine that built them. In a JSON
 * spec (a release) it is written `{"!env": "NAME"}`.
 */
export const ENV_REFERENCE_KEY = '!env';

export type EnvReference = { readonly [ENV_REFERENCE_KEY]: string };

const NAME = '^[A-Za-z_][A-Za-z0-9_]*$';

/** The schema of a reference. */
export const envReferenceSchema = {
  type: 'object',
  required: [ENV_REFERENCE_KEY],
  additionalProperties: false,
  properties: { [ENV_REFERENCE_KEY]: { type: 'string', pattern: NAME } },
};

export function isEnvReference(v: unknown): v is EnvReference {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as Record<string, unknown>)[ENV_REFERENCE_KEY] === 'string'
  );
}

/** Whether `name` can be an environment variable's name (what `!env` accepts). */
export function isEnvName(name: string): boolean {
  return new RegExp(NAME).test(name);
}
