/** One line of the benchmark table. */
export interface Figure {
  name: string;
  value: number;
  unit: 'ms' | 'MB' | 'x' | 'requests';
  /** e.g. `< 200 ms`; absent for figures that are only reported */
  target?: string;
  /** Whether `value` meets `target`; absent when there is no target. */
  pass?: boolean;
  /** How many times faster than the baseline measured in the same run. */
  ratio?: number;
  /** Samples, for the record: every run behind a median. */
  samples?: number[];
  note?: string;
}

export function below(name: string, value: number, unit: Figure['unit'], limit: number): Figure {
  return { name, value, unit, target: `< ${limit} ${unit}`, pass: value < limit };
}

function fmt(value: number, unit: Figure['unit']): string {
  if (unit === 'x') return `${value.toFixed(1)}x`;
  if (unit === 'requests') return `${Math.round(value)} requests`;
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${unit}`;
}

/** A Markdown table (so it pastes into the README and the issue note as is). */
export function formatTable(figures: readonly Figure[]): string {
  const rows = figures.map((f) => [
    f.name,
    fmt(f.value, f.unit),
    f.target ?? '',
    f.ratio !== undefined ? `${f.ratio.toFixed(0)}x faster` : '',
    f.pass === undefined ? '' : f.pass ? 'pass' : 'MISS',
  ]);
  const head = ['figure', 'value', 'target', 'vs baseline', 'result'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

export function atLeast(name: string, value: number, unit: Figure['unit'], limit: number): Figure {
  return { name, value, unit, target: `>= ${limit}${unit === 'x' ? 'x' : ` ${unit}`}`, pass: value >= limit };
}

/** A ratio with an upper limit, e.g. `<= 2x`. */
export function atMost(name: string, value: number, limit: number): Figure {
  return { name, value, unit: 'x', target: `<= ${limit}x`, pass: value <= limit };
}
