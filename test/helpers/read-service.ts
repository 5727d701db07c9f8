import type { BuildType, ServiceBuild } from '../../src/build-types/build-type.js';
import { buildTypes } from '../../src/build-types/build-types.js';
import { formatPath } from '../../src/core/problem.js';
import { parseSource } from '../../src/inputs/parse-source.js';

/**
 * A service's fields read by its build type, as the spec loader reads them (`buildType` picks
 * the type): for calling one build type directly. Any problem reported is thrown.
 */
export function readService(
  fields: Record<string, unknown>,
  name = 'svc',
  index = 0,
  opts: { schema?: boolean } = {},
): ServiceBuild {
  const type: BuildType | undefined = buildTypes.find((t) => t.name === fields['buildType']);
  if (type === undefined) throw new Error(`no build type ${String(fields['buildType'])}`);
  const at = (path: Array<string | number>) => formatPath(['repositories', index, 'service', ...path]);
  // `schema: false` reads fields the schema would refuse, to reach a build type's own checks.
  const problems = opts.schema === false ? [] : type.check(fields).map((i) => `${at(i.path)}: ${i.message}`);
  const read = type.read(fields, {
    name,
    index,
    report: (path, message) => problems.push(`${at(path)}: ${message}`),
    readSource: (value, path) =>
      parseSource(String(value), process.cwd(), { file: 'build.yml', path: at(path) }),
  });
  if (read === undefined || problems.length > 0) throw new Error(problems.join('\n'));
  return read;
}
