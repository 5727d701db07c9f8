import { formatPath } from '../core/problem.js';
import { setOwn } from '../core/set-own.js';
import { UserError } from '../core/user-error.js';
import { deepMerge, readConfigFiles } from './config-files.js';
import { isPlainObject } from './is-plain-object.js';
import { readJsonFile } from './json-file.js';
import type { DeployConfig, InfraInfo } from './types.js';

export const DEPLOY_CONFIG_DEFAULTS = ['deploy-config.yml', 'user-deploy-config.yml'] as const;

/**
 * Loads and deep-merges the deploy config, which becomes `cfg` (docs/reference/deploy-config.md). Its shape is the
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
  const infra = isTerraformOutput(read.value) ? unwrapTerraform(read.value) : read.value;
  const tooDeep = Object.entries(infra).find(([, v]) => depthExceeds(v, MAX_INFRA_DEPTH));
  if (tooDeep !== undefined) {
    throw new UserError({
      file,
      path: formatPath([tooDeep[0]]),
      message: `nesting is deeper than ${MAX_INFRA_DEPTH} levels`,
      hint: 'infra carries names and keys of what the infrastructure made, not deep data',
    });
  }
  return infra;
}

/** Far beyond real Terraform outputs; deeper values overflow the stack of what copies them. */
const MAX_INFRA_DEPTH = 100;

/** Iterative, so that measuring a hostile value cannot itself overflow the stack. */
function depthExceeds(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (typeof v !== 'object' || v === null) continue;
    if (depth > max) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
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
    setOwn(out, key, (wrapped as { value: unknown }).value);
  }
  return out;
}
