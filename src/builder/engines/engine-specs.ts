import type { Problem } from '../../core/problem.js';
import { UserError } from '../../core/user-error.js';
import type { EngineConfig } from '../../inputs/types.js';
import {
  EndpointError,
  engineEndpoint,
  parseEngineEndpoint,
  type EngineEndpoint,
} from './engine-endpoint.js';

/** One engine of a build: where it is and how many image builds it takes at once. */
export interface EngineSpec {
  endpoint: EngineEndpoint;
  concurrency: number;
}

export interface EngineSources {
  /** `--engine` values, `ENDPOINT[,concurrency=N]`; when given they replace the config's list. */
  flags: readonly string[];
  /** The build config's `engines:`. */
  config: readonly EngineConfig[];
  env: NodeJS.ProcessEnv;
  /** `--concurrency`: the concurrency of every engine that does not set its own. */
  concurrency: number;
}

/**
 * The engines of this build: those of `--engine`, else of the build config, else the one of
 * `DOCKER_HOST` (or the local socket), exactly as a build on one engine always was. Every
 * problem is reported at once, naming the flag (usage, exit 2) or the file and entry (exit 1).
 * Nothing is contacted here.
 */
export function resolveEngineSpecs(src: EngineSources): EngineSpec[] {
  if (src.flags.length > 0)
    return checked(
      src.flags.map((f) => fromFlag(f, src)),
      2,
    );
  if (src.config.length > 0)
    return checked(
      src.config.map((c) => fromConfig(c, src)),
      1,
    );
  return [{ endpoint: engineEndpoint(src.env), concurrency: src.concurrency }];
}

/** A parsed entry, with the problem to report if the same engine comes again. */
type Parsed = { spec: EngineSpec; twice: Problem } | { problem: Problem };

const TWICE_HINT = 'give each engine once; its concurrency says how many builds it takes at once';

function fromFlag(text: string, src: EngineSources): Parsed {
  const [endpointText = '', ...options] = text.split(',');
  const fail = (message: string, hint?: string): Parsed => ({
    problem: { message: `--engine ${masked(text)}: ${message}`, ...(hint !== undefined ? { hint } : {}) },
  });
  let concurrency = src.concurrency;
  for (const option of options) {
    const m = /^concurrency=(.*)$/.exec(option);
    if (m === null) return fail(`unknown option "${option}"`, 'the only option is ,concurrency=N');
    const n = Number(m[1]);
    if (!Number.isInteger(n) || n < 1) return fail('concurrency must be a whole number, 1 or more');
    concurrency = n;
  }
  try {
    const endpoint = parseEngineEndpoint(endpointText, { env: src.env });
    return {
      spec: { endpoint, concurrency },
      twice: { message: `--engine ${text}: engine ${endpoint.id} is given twice`, hint: TWICE_HINT },
    };
  } catch (e) {
    if (!(e instanceof EndpointError)) throw e;
    return fail(e.message, e.hint);
  }
}

function fromConfig(c: EngineConfig, src: EngineSources): Parsed {
  const where = { file: c.file, ...(c.line !== undefined ? { line: c.line } : {}), path: c.path };
  try {
    const endpoint = parseEngineEndpoint(c.endpoint, {
      env: src.env,
      ...(c.certPath !== undefined ? { certPath: c.certPath } : {}),
    });
    return {
      spec: { endpoint, concurrency: c.concurrency ?? src.concurrency },
      twice: { ...where, message: `engine ${endpoint.id} is listed twice`, hint: TWICE_HINT },
    };
  } catch (e) {
    if (!(e instanceof EndpointError)) throw e;
    return {
      problem: {
        ...where,
        message: `engine ${masked(c.endpoint)}: ${e.message}`,
        ...(e.hint !== undefined ? { hint: e.hint } : {}),
      },
    };
  }
}

/** The specs, or one UserError with every problem, a repeated engine included. */
function checked(parsed: Parsed[], exitCode: 1 | 2): EngineSpec[] {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  const specs: EngineSpec[] = [];
  for (const p of parsed) {
    if ('problem' in p) problems.push(p.problem);
    else if (seen.has(p.spec.endpoint.id)) problems.push(p.twice);
    else {
      seen.add(p.spec.endpoint.id);
      specs.push(p.spec);
    }
  }
  if (problems.length > 0) throw new UserError(problems, { exitCode });
  return specs;
}

/** An endpoint as written, with any password (refused, but written all the same) masked. */
function masked(text: string): string {
  return text.replace(/^([a-z+]+:\/\/[^:@/]*):[^@/]*@/i, '$1:***@');
}
