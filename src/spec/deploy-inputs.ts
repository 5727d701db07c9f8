import { UserError } from '../core/user-error.js';
import { deepMerge, readConfigFiles } from './config-files.js';
import { isPlainObject } from './is-plain-object.js';
import { readJsonFile } from './json-file.js';
import type { DeployConfig, InfraInfo } from './types.js';

export const DEPLOY_CONFIG_DEFAULTS = ['deploy-config.yml', 'user-deploy-config.yml'] as const;

/**
 * Loads and deep-merges the deploy config, which becomes `cfg` (contract §4). Its shape is the
 * deploy template's business, so only YAML, `!env` and "a mapping at the top" are checked here.
 */
export async function loadDeployConfig(
  files: string[] | undefined,
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<DeployConfig> {
  const read = await readConfigFiles(files, cwd, env, DEPLOY_CONFIG_DEFAULTS);
  if (read.problems.length > 0) throw new UserError(read.problems);
  return read.files.reduce<unknown>((acc, f) => deepMerge(acc, f.value), {}) as DeployConfig;
}

/**
 * Loads the infrastructure information, which becomes `infra`. Accepts plain JSON, and the output
 * of `terraform output -json`, whose top-level values are `{value, type, sensitive?}` wrappers:
 * those are unwrapped to their `value`. No file means no infra: `{}`.
 */
export async function loadInfraInfo(file: string | undefined): Promise<InfraInfo> {
  if (file === undefined) return {};
  const read = await readJsonFile(file, file);
  if ('problem' in read) throw new UserError(read.problem);
  if (!isPlainObject(read.value)) {
    throw new UserError({
      file,
      message: 'must be a JSON object',
      hint: 'e.g. the output of `terraform output -json`',
    });
  }
  return isTerraformOutput(read.value) ? unwrapTerraform(read.value) : read.value;
}

/** Every top-level value is an object with `value` and `type` and nothing but those and `sensitive`. */
export function isTerraformOutput(doc: Record<string, unknown>): boolean {
  const values = Object.values(doc);
  return (
    values.length > 0 &&
    values.every(
      (v) =>
        isPlainObject(v) &&
        Object.hasOwn(v, 'value') &&
        Object.hasOwn(v, 'type') &&
        Object.keys(v).every((k) => k === 'value' || k === 'type' || k === 'sensitive'),
    )
  );
}

function unwrapTerraform(doc: Record<string, unknown>): InfraInfo {
  const out: InfraInfo = {};
  for (const [key, wrapped] of Object.entries(doc)) {
    Object.defineProperty(out, key, {
      value: (wrapped as { value: unknown }).value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}
