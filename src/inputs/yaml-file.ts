import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit } from 'yaml';
import type { Document, Node as YamlNode, ScalarTag } from 'yaml';
import type { Problem } from '../core/problem.js';
import { ENV_REFERENCE_KEY, isEnvName } from './env-reference.js';

/** Maps a path inside a document (`['repositories', 2, 'kind']`) to a 1-based line, if known. */
export type LineOf = (path: ReadonlyArray<string | number>) => number | undefined;

export interface YamlText {
  /** The document as plain data; undefined when it could not be read (see `problems`). */
  value: unknown;
  /** True when the file holds no document at all (only comments or whitespace). */
  empty: boolean;
  lineOf: LineOf;
  /** Values that `!env` tags produced, so callers can register them for redaction. */
  envValues: string[];
  problems: Problem[];
  /** True when the value came from the parse cache: `lineOf` then knows no lines. */
  cached?: boolean;
}

export interface YamlOptions {
  /** Environment for `!env NAME`; undefined means `!env` is not allowed in this file. */
  env: NodeJS.ProcessEnv | undefined;
  /**
   * Keys whose values may use `!env NAME` even without `env`: the last keys above the value
   * (`['service', 'env']` for `repositories[i].service.env.X`). There the tag is kept as a
   * reference, `{"!env": "NAME"}`, read when the build runs (src/inputs/env-reference.ts).
   */
  envReferencesUnder?: readonly string[];
}

// `!env NAME` resolves to its name here; the environment lookup happens afterwards on the
// document, where each tag's line is known and an unset variable becomes a Problem.
const envTag: ScalarTag = { tag: '!env', resolve: (name: string) => name };

/** Aliases expand into copies; a few hundred is plenty for real files and stops alias bombs. */
const MAX_ALIAS_COUNT = 200;

/**
 * Parses one YAML file. Never throws for bad input: syntax errors, unknown tags, unset `!env`
 * variables and resource-exhaustion attempts all come back as Problems naming `file` and line.
 */
export function parseYaml(text: string, file: string, opts: YamlOptions): YamlText {
  const lineCounter = new LineCounter();
  const problems: Problem[] = [];
  const envValues: string[] = [];
  const noLines: LineOf = () => undefined;
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, {
      lineCounter,
      prettyErrors: false,
      customTags: [envTag],
      merge: true,
      uniqueKeys: true,
    });
  } catch (e) {
    return { value: undefined, empty: false, lineOf: noLines, envValues, problems: [hostile(file, e)] };
  }
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line;
  const errors = [...doc.errors, ...doc.warnings];
  // The parser recurses per nesting level; past the stack it reports one error per level.
  if (errors.some((e) => /call stack/i.test(e.message))) {
    return { value: undefined, empty: false, lineOf: noLines, envValues, problems: [tooDeep(file)] };
  }
  for (const err of errors) {
    const message =
      err.code === 'MULTIPLE_DOCS'
        ? 'holds more than one YAML document (a second "---"); one is expected'
        : `invalid YAML: ${shortYamlMessage(err.message)}`;
    problems.push({ file, line: lineAt(err.pos[0]), message });
  }
  if (problems.length > 0) return { value: undefined, empty: false, lineOf: noLines, envValues, problems };

  // Walking every node costs a tenth of parsing a large spec, and only an `!env` tag needs it: a
  // document holds one only by spelling it out, or through a %TAG directive that builds it.
  if (text.includes('!env') || text.includes('%TAG'))
    problems.push(...resolveEnvTags(doc, file, opts, lineAt, envValues));
  if (problems.length > 0) return { value: undefined, empty: false, lineOf: noLines, envValues, problems };

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    return { value: undefined, empty: false, lineOf: noLines, envValues, problems: [hostile(file, e)] };
  }
  const empty = doc.contents === null;
  return { value, empty, lineOf: (path) => lineOfPath(doc, path, lineAt), envValues, problems };
}

/** Replaces each `!env NAME` with the variable's value (kept in `envValues`); what cannot be, as problems. */
function resolveEnvTags(
  doc: Document.Parsed,
  file: string,
  opts: YamlOptions,
  lineAt: (offset: number) => number,
  envValues: string[],
): Problem[] {
  const problems: Problem[] = [];
  visit(doc, {
    Scalar(key, node, path) {
      if (node.tag !== '!env') return;
      const line = node.range ? lineAt(node.range[0]) : undefined;
      const name = String(node.value);
      if (key === 'value' && isReferenceAt(path, opts.envReferencesUnder)) {
        if (isEnvName(name)) node.value = { [ENV_REFERENCE_KEY]: name };
        else problems.push({ file, line, message: `!env needs an environment variable name, got "${name}"` });
      } else if (opts.env === undefined) {
        problems.push({ file, line, message: `!env is not allowed in this file (only in config files)` });
      } else if (!isEnvName(name)) {
        problems.push({ file, line, message: `!env needs an environment variable name, got "${name}"` });
      } else if (opts.env[name] === undefined) {
        problems.push({
          file,
          line,
          message: `environment variable ${name} is not set (read by !env)`,
          hint: `set ${name} or remove the !env tag`,
        });
      } else {
        const value = opts.env[name] ?? '';
        envValues.push(value);
        node.value = value;
      }
    },
  });
  return problems;
}

/** Whether the pairs above a value end with `under` and one more key (the value's own). */
function isReferenceAt(path: readonly unknown[], under: readonly string[] | undefined): boolean {
  if (under === undefined) return false;
  const keys = path.flatMap((n) => (isPair(n) && isScalar(n.key) ? [String(n.key.value)] : []));
  const tail = keys.slice(-under.length - 1, -1);
  return keys.length > under.length && tail.every((k, i) => k === under[i]);
}

function hostile(file: string, e: unknown): Problem {
  if (e instanceof RangeError) return tooDeep(file);
  if (e instanceof ReferenceError && /alias/i.test(e.message)) {
    return { file, message: `too many alias expansions (more than ${MAX_ALIAS_COUNT}); refusing to expand` };
  }
  throw e;
}

function tooDeep(file: string): Problem {
  return { file, message: 'nesting is too deep to read' };
}

/** yaml's messages may carry a source excerpt (which could show a secret): keep the first clause. */
function shortYamlMessage(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

function lineOfPath(
  doc: Document.Parsed,
  path: ReadonlyArray<string | number>,
  lineAt: (offset: number) => number,
): number | undefined {
  let node: unknown = doc.contents;
  let line = nodeLine(node, lineAt);
  for (const seg of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg),
      );
      if (pair === undefined) break;
      // Point at the key: for a nested mapping that is the line a reader looks for.
      line = nodeLine(pair.key, lineAt) ?? line;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item === undefined) break;
      line = nodeLine(item, lineAt) ?? line;
      node = item;
    } else {
      break;
    }
  }
  return line;
}

function nodeLine(node: unknown, lineAt: (offset: number) => number): number | undefined {
  const range = (node as YamlNode | null | undefined)?.range;
  return range ? lineAt(range[0]) : undefined;
}
