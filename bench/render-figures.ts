import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { below, type Figure } from './figure.js';
import { median, timeCommand } from './time-command.js';

const renderBench = fileURLToPath(new URL('./render.bench.ts', import.meta.url));

interface RenderRun {
  wallMs: number;
  cpuMs: number;
  peakMB: number;
  renderMs?: number;
  checkMs?: number;
  writeMs?: number;
}

/** The figure of 2026-11-28 (before this round of work), printed beside the new one. */
const EARLIER = 'was 1,110 ms on 2026-11-28 (one run, after other deletions)';

/**
 * The render benchmark (`bench/render.bench.ts`), each run in its own process so its peak
 * memory is its own, all under one folder of os.tmpdir() (the machine's ordinary disk unless
 * TMPDIR says otherwise). The headline runs write fresh directories and keep them until every
 * run is done: on ext4 without a journal, creating files right after many were deleted is
 * far slower (see bench/README.md), and that is measured as a case of its own, as is a
 * redeploy over the previous output and, for comparison, an output on tmpfs. Undefined when
 * the benchmark is not there. BENCH_RENDER_RUNS runs per case (default 5).
 */
export async function renderFigures(log: (message: string) => void): Promise<Figure[] | undefined> {
  if (!existsSync(renderBench)) return undefined;
  const runs = Number(process.env['BENCH_RENDER_RUNS'] ?? 5);
  const parent = mkdtempSync(join(tmpdir(), 'tci-render-figures-'));
  const once = async (env: Record<string, string>): Promise<RenderRun> => {
    const run = await timeCommand(process.execPath, ['--import', 'tsx', renderBench], {
      env: { ...process.env, ...env },
    });
    const parsed = parseRenderOutput(run.stdout);
    if (parsed.wallMs === undefined || parsed.peakMB === undefined)
      throw new Error(`could not read the figures of bench/render.bench.ts:\n${run.stdout}\n${run.stderr}`);
    return parsed as RenderRun;
  };
  const many = async (what: string, env: (i: number) => Record<string, string>) => {
    const all: RenderRun[] = [];
    for (let i = 0; i < runs; i++) all.push(await once(env(i)));
    const m = (f: (r: RenderRun) => number) => median(all.map(f));
    log(
      `render, ${what}: wall ${all.map((r) => r.wallMs).join(', ')} ms; CPU median ${m((r) => r.cpuMs)} ms`,
    );
    return {
      all,
      wallMs: m((r) => r.wallMs),
      cpuMs: m((r) => r.cpuMs),
      peakMB: Math.max(...all.map((r) => r.peakMB)),
    };
  };
  try {
    log(`render benchmark (bench/render.bench.ts), ${runs} runs per case, output under ${parent}`);
    const fresh = await many('fresh output directory', (i) => ({
      RENDER_BENCH_OUT: join(parent, `fresh-${i}`),
    }));
    const redeploy = await many('over the previous output', () => ({
      RENDER_BENCH_OUT: join(parent, 'fresh-0'),
    }));
    const phases = await many('phases, fresh directory', (i) => ({
      RENDER_BENCH_OUT: join(parent, `phases-${i}`),
      RENDER_BENCH_PHASES: '1',
    }));
    // Each run deletes one of the earlier outputs (5,001 files) just before it writes.
    const afterDeleting = await many('fresh directory right after deleting 5,001 files', (i) => ({
      RENDER_BENCH_OUT: join(parent, `after-${i}`),
      RENDER_BENCH_DELETE_FIRST: join(parent, `phases-${i}`),
    }));
    const shm = existsSync('/dev/shm') ? mkdtempSync('/dev/shm/tci-render-figures-') : undefined;
    const tmpfs =
      shm !== undefined
        ? await many('on tmpfs', (i) => ({ RENDER_BENCH_OUT: join(shm, `out-${i}`) })).finally(() =>
            rmSync(shm, { recursive: true, force: true }),
          )
        : undefined;
    const phase = (f: (r: RenderRun) => number | undefined) =>
      median(phases.all.map((r) => f(r) ?? 0)).toFixed(0);
    const wallSamples = (r: { all: RenderRun[] }) => r.all.map((x) => x.wallMs);
    return [
      {
        ...below('render 5,000 resources: wall time', fresh.wallMs, 'ms', 1000),
        samples: wallSamples(fresh),
        note: `fresh output directory on ${tmpdir()}; ${EARLIER}; phases (median): render ${phase((r) => r.renderMs)}, checks ${phase((r) => r.checkMs)}, writing ${phase((r) => r.writeMs)} ms`,
      },
      { name: 'render 5,000 resources: CPU time', value: fresh.cpuMs, unit: 'ms' },
      below('render 5,000 resources: peak memory', fresh.peakMB, 'MB', 200),
      {
        name: 'render 5,000: redeploy over the previous output',
        value: redeploy.wallMs,
        unit: 'ms',
        samples: wallSamples(redeploy),
        note: 'the same resources again: unchanged files are linked, not written',
      },
      {
        name: 'render 5,000: right after 5,001 files were deleted',
        value: afterDeleting.wallMs,
        unit: 'ms',
        samples: wallSamples(afterDeleting),
        note: 'a fresh directory written just after another output was removed: the journal-less ext4 effect',
      },
      ...(tmpfs !== undefined
        ? [
            {
              name: 'render 5,000: output on tmpfs',
              value: tmpfs.wallMs,
              unit: 'ms' as const,
              samples: wallSamples(tmpfs),
            },
          ]
        : []),
    ];
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
}

/** The JSON line render.bench.ts prints last: wallMs, cpuMs, peakMB and, with phases, their times. */
export function parseRenderOutput(text: string): Partial<RenderRun> {
  for (const line of text.split('\n').reverse()) {
    if (!line.trimStart().startsWith('{')) continue;
    try {
      const o = JSON.parse(line) as Partial<RenderRun>;
      if (typeof o.wallMs === 'number' && typeof o.peakMB === 'number') return o;
    } catch {
      // not a JSON line
    }
  }
  return {};
}
