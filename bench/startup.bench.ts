import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliPath } from '../test/helpers/run-cli.js';
import { runMeasured, type MeasuredRun } from './child-usage.js';
import type { Figure } from './figure.js';
import { median } from './time-command.js';

/**
 * Start-up: bare Node (`node -e 0`), and `taskcluster-installer --version` with and without
 * the CLI's V8 code cache, in interleaved rounds so that load on the machine hits all three
 * alike. CPU time is the figure to trust on a busy machine; wall time is printed beside it.
 */
export async function startupFigures(runs: number, log: (message: string) => void): Promise<Figure[]> {
  const cache = mkdtempSync(join(tmpdir(), 'tci-bench-code-cache-'));
  const variants = {
    node: { args: ['-e', '0'], env: {} },
    cached: { args: [cliPath, '--version'], env: { XDG_CACHE_HOME: cache } },
    uncached: { args: [cliPath, '--version'], env: { TASKCLUSTER_INSTALLER_CODE_CACHE: 'off' } },
  };
  const samples: Record<keyof typeof variants, MeasuredRun[]> = { node: [], cached: [], uncached: [] };
  try {
    for (let round = 0; round <= runs; round++) {
      for (const [name, v] of Object.entries(variants) as Array<
        [keyof typeof variants, (typeof variants)['node']]
      >) {
        const run = await runMeasured(process.execPath, v.args, { env: { ...process.env, ...v.env } });
        // Round 0 is the warm-up, which also writes the code cache.
        if (round > 0) samples[name].push(run);
      }
    }
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
  const cpu = (name: keyof typeof variants) => median(samples[name].map((r) => r.cpuMs));
  const wall = (name: keyof typeof variants) => median(samples[name].map((r) => r.ms));
  log(
    `start-up CPU: node -e 0 ${cpu('node').toFixed(0)} ms, --version ${cpu('cached').toFixed(0)} ms (without the code cache ${cpu('uncached').toFixed(0)} ms)`,
  );
  return [
    {
      name: 'start-up: node -e 0, CPU time',
      value: cpu('node'),
      unit: 'ms',
      note: `wall ${wall('node').toFixed(0)} ms; what any Node program pays`,
    },
    {
      name: 'start-up: --version, CPU time',
      value: cpu('cached'),
      unit: 'ms',
      note: `wall ${wall('cached').toFixed(0)} ms; without the code cache ${cpu('uncached').toFixed(0)} ms CPU, ${wall('uncached').toFixed(0)} ms wall; 74 ms CPU before the CommonJS bundle and code cache (measured 2026-12-03 against node -e 0 at 57 ms)`,
    },
  ];
}
