import { dockerfileStages, type DockerfileStage } from './dockerfile-stages.js';

/** What the `FROM` lines of a Dockerfile say, read without running Docker. */
export interface DockerfileStages {
  /** Images pulled from outside, in order, without duplicates: no `scratch`, no earlier stage. */
  baseImages: string[];
  /** Stage names (`FROM … AS name`), lowercase, in order. */
  stages: string[];
}

export interface BaseImagesOptions {
  buildArgs?: Record<string, string>;
  target?: string;
  /**
   * BuildKit's rule: only the stages the target (else the last stage) needs are built, and the
   * images they read with `COPY --from=` and `RUN --mount=…,from=` are base images too. Without
   * it, the legacy builder's: every stage up to the target, `FROM` images only.
   */
  neededOnly?: boolean;
}

/**
 * Reads the base images of a Dockerfile as the builder resolves them: parser directive
 * `# escape=`, line continuations, comment lines (also inside continuations), global `ARG`s
 * before the first `FROM` (a build arg overrides the default), `${VAR}` forms in `FROM`,
 * `--platform` flags, and `FROM <stage>` references. With `target`, stages after it are not
 * built, so their images are not counted.
 */
export function dockerfileBaseImages(text: string, opts: BaseImagesOptions = {}): DockerfileStages {
  const all = dockerfileStages(text, opts.buildArgs).stages;
  const targetIndex =
    opts.target === undefined ? -1 : all.findIndex((s) => s.name === opts.target?.toLowerCase());
  const upToTarget = targetIndex >= 0 ? all.slice(0, targetIndex + 1) : all;
  const built = opts.neededOnly ? needed(upToTarget) : upToTarget;
  const baseImages: string[] = [];
  for (const stage of built) {
    for (const use of opts.neededOnly ? [stage.from, ...stage.uses] : [stage.from]) {
      const external = use.stage === undefined && use.ref !== '' && use.ref.toLowerCase() !== 'scratch';
      if (external && !baseImages.includes(use.ref)) baseImages.push(use.ref);
    }
  }
  return { baseImages, stages: upToTarget.flatMap((s) => (s.name !== undefined ? [s.name] : [])) };
}

/** The stages the last one needs, itself included, in Dockerfile order. */
function needed(stages: DockerfileStage[]): DockerfileStage[] {
  const keep = new Set<number>();
  const visit = (i: number) => {
    const stage = stages[i];
    if (stage === undefined || keep.has(i)) return;
    keep.add(i);
    for (const use of [stage.from, ...stage.uses]) if (use.stage !== undefined) visit(use.stage);
  };
  visit(stages.length - 1);
  return stages.filter((_s, i) => keep.has(i));
}
