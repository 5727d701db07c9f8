import { readFile } from 'node:fs/promises';
import { formatPath, type Problem } from '../../core/problem.js';
import type { Redactor } from '../../core/redact.js';
import { UserError } from '../../core/user-error.js';

/** One entry of the build config's `secrets:`: a value (often `!env NAME`) or a file to read. */
export type BuildSecretSource = string | { file: string };

/** A service and the secret ids its `secrets:` names. */
export interface ServiceSecrets {
  service: string;
  /** Its index in `build.repositories`, for error paths. */
  index: number;
  ids: readonly string[];
}

/**
 * The values of the secrets one service names, by id, read into memory only (files too: a
 * secret is never copied to a temporary file, which the docker CLI's `--secret src=` would
 * need). Each value is registered with the redactor before it is returned. Every id the build
 * config lacks and every file that cannot be read is reported in one UserError, naming the
 * service, the id and the file, never a value.
 */
export async function loadBuildSecrets(
  wanted: ServiceSecrets,
  configured: Readonly<Record<string, BuildSecretSource>>,
  redactor?: Redactor,
): Promise<Map<string, Buffer>> {
  const problems: Problem[] = [];
  const values = new Map<string, Buffer>();
  for (const [i, id] of wanted.ids.entries()) {
    const source = Object.hasOwn(configured, id) ? configured[id] : undefined;
    const path = formatPath(['repositories', wanted.index, 'service', 'secrets', i]);
    if (source === undefined) {
      const known = Object.keys(configured);
      problems.push({
        path,
        message: `service "${wanted.service}" names the secret "${id}", which the build config's secrets do not have`,
        hint:
          known.length > 0 ? `its secrets: ${known.join(', ')}` : 'add it under secrets: in the build config',
      });
      continue;
    }
    if (typeof source === 'string') {
      values.set(id, Buffer.from(source, 'utf8'));
      continue;
    }
    try {
      values.set(id, await readFile(source.file));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      problems.push({
        path,
        message: `service "${wanted.service}": the secret "${id}" cannot be read from ${source.file}${code ? ` (${code})` : ''}`,
      });
    }
  }
  if (problems.length > 0) throw new UserError(problems);
  for (const value of values.values()) for (const text of maskedTexts(value)) redactor?.add(text);
  return values;
}

/**
 * What to mask for one secret value: the value, and each of its lines, since a step that prints
 * a secret file prints it line by line.
 */
export function maskedTexts(value: Uint8Array): string[] {
  const text = Buffer.from(value).toString('utf8');
  return [text, ...text.split(/\r?\n/)].map((t) => t.trim()).filter((t) => t !== '');
}
