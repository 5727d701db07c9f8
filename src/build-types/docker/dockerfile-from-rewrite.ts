import type { DockerfileWord } from './dockerfile-instructions.js';
import { dockerfileStages } from './dockerfile-stages.js';

/** One image reference the rewrite replaced. */
export interface ImageRewrite {
  /** As the build would have seen it (after `ARG` substitution). */
  from: string;
  to: string;
}

/**
 * Applies the build config's `images` map to a Dockerfile: every image it reads (`FROM`,
 * `COPY --from=`, `RUN --mount=…,from=`, and the `# syntax=` frontend) that the map names is
 * replaced in the text, flags (`--platform`) and stage names (`AS build`) untouched. A reference
 * written with `ARG`s is matched after substitution and replaced by the mapped image itself.
 * Keys match as Docker reads names (`node:20` = `docker.io/library/node:20`, `node` =
 * `node:latest`); a digest-pinned reference (`node:20@sha256:…`) matches its own key first,
 * then its `name:tag`, keeping the digest unless the replacement has one of its own (a mirror
 * serves the same digests). References to stages and `scratch` are never replaced.
 */
export function rewriteDockerfileImages(
  text: string,
  images: Readonly<Record<string, string>>,
  buildArgs: Readonly<Record<string, string>> = {},
): { text: string; rewrites: ImageRewrite[] } {
  const parsed = dockerfileStages(text, buildArgs);
  const candidates: { word: DockerfileWord; ref: string }[] = [];
  if (parsed.syntax) candidates.push({ word: parsed.syntax, ref: parsed.syntax.text });
  for (const stage of parsed.stages) {
    for (const use of [stage.from, ...stage.uses]) if (use.stage === undefined) candidates.push(use);
  }
  const byName = new Map(Object.entries(images).map(([k, v]) => [normalName(k), v]));
  const edits: { word: DockerfileWord; to: string }[] = [];
  const rewrites: ImageRewrite[] = [];
  for (const { word, ref } of candidates) {
    const to = mapped(ref, byName);
    if (to === undefined || to === ref) continue;
    edits.push({ word, to });
    rewrites.push({ from: ref, to });
  }
  let out = text;
  for (const { word, to } of edits.sort((a, b) => b.word.start - a.word.start)) {
    out = out.slice(0, word.start) + to + out.slice(word.end);
  }
  return { text: out, rewrites };
}

function mapped(ref: string, byName: Map<string, string>): string | undefined {
  if (ref === '' || ref.toLowerCase() === 'scratch') return undefined;
  const exact = byName.get(normalName(ref));
  if (exact !== undefined) return exact;
  const at = ref.indexOf('@');
  if (at < 0) return undefined;
  const name = ref.slice(0, at);
  // Only a tagged name stands for a digest-pinned reference: `node` alone would be `node:latest`.
  if (!/:[^/]+$/.test(name)) return undefined;
  const replacement = byName.get(normalName(name));
  if (replacement === undefined) return undefined;
  return replacement.includes('@') ? replacement : `${replacement}${ref.slice(at)}`;
}

/** `docker.io/library/node:20`, `library/node:20` and `node:20` alike; `node` is `node:latest`. */
function normalName(ref: string): string {
  const at = ref.indexOf('@');
  const digest = at >= 0 ? ref.slice(at) : '';
  let name = at >= 0 ? ref.slice(0, at) : ref;
  const tagged = /:[^/]+$/.test(name);
  name = name
    .replace(/^(?:docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, '')
    .replace(/^library\/(?=[^/]+$)/, '');
  return `${name}${tagged || digest !== '' ? '' : ':latest'}${digest}`;
}
