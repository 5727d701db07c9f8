import { readFile } from 'node:fs/promises';
import { formatPath, type Problem } from '../core/problem.js';
import type { Redactor } from '../core/redact.js';
import { UserError } from '../core/user-error.js';
import type { BuildSecretSource } from './types.js';

/** A service and the secret ids its `secrets:` names. */
export interface ServiceSecrets {
  service: string;
  /** Its index in `build.repositories`, for error paths. */
  index: number;
  ids: readonly string[];
}

/** Where the services are written, for error messages: `build.yml` and the line of a path in it. */
export interface SecretsWhere {
  file?: string;
  lineOf?: (path: ReadonlyArray<string | number>) => number | undefined;
}

/**
 * The values of the secrets each service names, by service and id, read into memory only
 * (files too: a secret is never copied to a temporary file, which the docker CLI's
 * `--secret src=` would need). Each value is registered with the redactor before it is
 * returned. Every id the build config lacks and every file that cannot be read, over all the
 * services, is reported in one UserError naming the service, the id and the file, never a value.
 */
export async function loadServiceSecrets(
  services: readonly ServiceSecrets[],
  configured: Readonly<Record<string, BuildSecretSource>>,
  opts: SecretsWhere & { redactor?: Redactor } = {},
): Promise<Map<string, Map<string, Buffer>>> {
  const problems: Problem[] = [];
  const loaded = new Map<string, Map<string, Buffer>>();
  for (const wanted of services) {
    loaded.set(wanted.service, await readServiceSecrets(wanted, configured, opts, problems));
  }
  if (problems.length > 0) throw new UserError(problems);
  for (const values of loaded.values()) {
    for (const value of values.values()) for (const text of maskedTexts(value)) opts.redactor?.add(text);
  }
  return loaded;
}

async function readServiceSecrets(
  wanted: ServiceSecrets,
  configured: Readonly<Record<string, BuildSecretSource>>,
  where: SecretsWhere,
  problems: Problem[],
): Promise<Map<string, Buffer>> {
  const values = new Map<string, Buffer>();
  for (const [i, id] of wanted.ids.entries()) {
    const source = Object.hasOwn(configured, id) ? configured[id] : undefined;
    const path = ['repositories', wanted.index, 'service', 'secrets', i];
    const line = where.lineOf?.(path);
    const at = {
      ...(where.file !== undefined && { file: where.file }),
      ...(line !== undefined && { line }),
      path: formatPath(path),
    };
    if (source === undefined) {
      const known = Object.keys(configured);
      problems.push({
        ...at,
        message: `service "${wanted.service}" names the secret "${id}", which the build config's secrets do not have`,
        hint:
          known.length > 0 ? `its secrets: ${known.join(', ')}` : 'add it under secrets: in the build config',
      });
    } else if (typeof source === 'string') {
      values.set(id, Buffer.from(source, 'utf8'));
    } else {
      try {
        values.set(id, await readFile(source.file));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        problems.push({
          ...at,
          message: `service "${wanted.service}": the secret "${id}" cannot be read from ${source.file}${code ? ` (${code})` : ''}`,
        });
      }
    }
  }
  return values;
}

/**
 * What to mask for one secret value: the value, and each of its lines, since a step that prints
 * a secret file prints it line by line.
 */
function maskedTexts(value: Uint8Array): string[] {
  const text = Buffer.from(value).toString('utf8');
  return [text, ...text.split(/\r?\n/)].map((t) => t.trim()).filter((t) => t !== '');
}
