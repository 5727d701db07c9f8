import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { below, type Figure } from './figure.js';
import { timeCommand } from './time-command.js';

const renderBench = fileURLToPath(new URL('./render.bench.ts', import.meta.url));

/**
 * The deploy engineer's render benchmark (`bench/render.bench.ts`), run in its own process so
 * its peak memory is its own. Its figures are read from what it prints: a JSON line with
 * `wallMs` and `peakMB` if it gives one, else the first `… ms` (or `… s`) and `… MB` it prints.
 * Undefined when the benchmark is not there.
 */
export async function renderFigures(log: (message: string) => void): Promise<Figure[] | undefined> {
  if (!existsSync(renderBench)) return undefined;
  log('render benchmark (bench/render.bench.ts)');
  const run = await timeCommand(process.execPath, ['--import', 'tsx', renderBench]);
  const text = run.stdout + '\n' + run.stderr;
  const { wallMs, peakMB } = parseRenderOutput(text);
  if (wallMs === undefined || peakMB === undefined) {
    throw new Error(`could not read wall time and peak memory from bench/render.bench.ts:\n${text}`);
  }
  return [
    below('render 5,000 resources: wall time', wallMs, 'ms', 1000),
    below('render 5,000 resources: peak memory', peakMB, 'MB', 200),
  ];
}

export function parseRenderOutput(text: string): { wallMs?: number; peakMB?: number } {
  for (const line of text.split('\n').reverse()) {
    if (!line.trimStart().startsWith('{')) continue;
    try {
      const o = JSON.parse(line) as { wallMs?: unknown; peakMB?: unknown };
      if (typeof o.wallMs === 'number' && typeof o.peakMB === 'number')
        return { wallMs: o.wallMs, peakMB: o.peakMB };
    } catch {
      // not a JSON line
    }
  }
  const ms = /(\d+(?:\.\d+)?)\s*ms\b/.exec(text);
  const s = /(\d+(?:\.\d+)?)\s*s\b/.exec(text);
  const mb = /(\d+(?:\.\d+)?)\s*(?:MB|MiB)\b/.exec(text);
  const wallMs = ms ? Number(ms[1]) : s ? Number(s[1]) * 1000 : undefined;
  return {
    ...(wallMs !== undefined ? { wallMs } : {}),
    ...(mb ? { peakMB: Number(mb[1]) } : {}),
  };
}
