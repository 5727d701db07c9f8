import { parentPort, workerData } from 'node:worker_threads';
import type { Problem } from '../../core/problem.js';
import { isUserError } from '../../core/user-error.js';
import { buildTypes } from '../../build-types/build-types.js';
import { loadClusterSpec } from '../../inputs/cluster-spec.js';
import type { DeployConfig, InfraInfo } from '../../inputs/types.js';
import type { RenderJob, RenderReply } from './isolated-render.js';
import { describeRenderError, renderTemplate } from './render-template.js';
import { renderWithPlaceholders } from './render-with-placeholders.js';

/**
 * Runs one render job inside a worker thread, so that the main thread can stop a template that
 * renders without end or without bound (JSON-e has no limits of its own). The spec is loaded
 * again here: its line map is a function and cannot cross threads, and error paragraphs need it.
 */
const job = workerData as RenderJob;
const reply = (r: RenderReply) => parentPort?.postMessage(r);

// A function, not top-level await: the bundled worker is CommonJS (scripts/bundle-cli.mjs).
async function run(): Promise<void> {
  const spec = await loadClusterSpec(job.specPath, { serviceTypes: buildTypes });
  try {
    if (job.kind === 'render') {
      reply({ ok: true, value: renderTemplate(spec, { cfg: job.cfg, infra: job.infra }) });
    } else {
      const given: { cfg?: DeployConfig; infra?: InfraInfo } = {
        ...(job.cfg !== undefined ? { cfg: job.cfg as DeployConfig } : {}),
        ...(job.infra !== undefined ? { infra: job.infra as InfraInfo } : {}),
      };
      reply({ ok: true, value: renderWithPlaceholders(spec, given) });
    }
  } catch (e) {
    const values = job.kind === 'render' ? { cfg: job.cfg, infra: job.infra } : undefined;
    const problems: Problem[] = isUserError(e) ? [...e.problems] : [describeRenderError(spec, e, values)];
    reply({ ok: false, problems });
  }
}

void run();
