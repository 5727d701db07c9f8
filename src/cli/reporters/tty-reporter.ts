import { createLogUpdate } from 'log-update';
import type { Event } from '../../core/events.js';
import { describeEvent, formatMs } from './describe-event.js';
import type { Reporter, ReporterStreams } from './reporter.js';

interface Running {
  step: string;
  startedAt: number;
  lastLines: string[];
  /** With several engines: where the step runs. */
  engine?: string;
}

const TAIL = 3;
const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

function onEngine(r: Running): string {
  return r.engine !== undefined ? ` on ${r.engine}` : '';
}

/**
 * Live display on a terminal: each running step with its elapsed time and last log lines;
 * finished steps collapse into one permanent line above the live area.
 */
export function createTtyReporter(io: ReporterStreams): Reporter {
  const steps = new LiveSteps(io);
  return { emit: (e) => show(steps, e), close: () => steps.close() };
}

function show(steps: LiveSteps, e: Event): void {
  switch (e.kind) {
    case 'step-started':
      steps.start(e.service, e.step);
      return;
    case 'engine-chosen': {
      const r = steps.get(e.service, e.step);
      if (r) {
        r.engine = e.engine;
        steps.draw();
      } else steps.permanent(describeEvent(e) ?? '');
      return;
    }
    case 'log-line': {
      const r = steps.get(e.service, e.step);
      if (r) {
        r.lastLines.push(e.line);
        if (r.lastLines.length > TAIL) r.lastLines.shift();
      }
      return;
    }
    case 'step-finished': {
      const r = steps.end(e.service, e.step);
      steps.permanent(`✔ ${e.service}: ${e.step}${r ? onEngine(r) : ''} ${formatMs(e.elapsedMs)}`);
      return;
    }
    case 'step-failed':
      steps.end(e.service, e.step);
      steps.permanent(`✖ ${describeEvent(e) ?? ''}`);
      return;
    default: {
      const text = describeEvent(e);
      if (text !== undefined) steps.permanent(text);
    }
  }
}

/** The running steps, redrawn in place every 100 ms, with permanent lines printed above them. */
class LiveSteps {
  private readonly live: ReturnType<typeof createLogUpdate>;
  private readonly running = new Map<string, Running>();
  private readonly timer: NodeJS.Timeout;
  private frame = 0;

  constructor(private readonly io: ReporterStreams) {
    this.live = createLogUpdate(io.stderr as NodeJS.WriteStream);
    this.timer = setInterval(() => this.draw(), 100);
    this.timer.unref();
  }

  start(service: string, step: string): void {
    this.running.set(keyOf(service, step), { step, startedAt: Date.now(), lastLines: [] });
    this.draw();
  }

  get(service: string, step: string): Running | undefined {
    return this.running.get(keyOf(service, step));
  }

  /** The step's display, taken out of the live area. */
  end(service: string, step: string): Running | undefined {
    const r = this.get(service, step);
    this.running.delete(keyOf(service, step));
    return r;
  }

  draw(): void {
    const spin = FRAMES[this.frame++ % FRAMES.length] ?? '*';
    const cols = (this.io.stderr as NodeJS.WriteStream).columns ?? 100;
    const lines: string[] = [];
    for (const [key, r] of this.running) {
      const service = key.split('\u0000')[0] ?? '';
      lines.push(`${spin} ${service}: ${r.step}${onEngine(r)} ${formatMs(Date.now() - r.startedAt)}`);
      for (const l of r.lastLines) lines.push(`    ${l}`.slice(0, cols - 1));
    }
    this.live(this.io.redact(lines.join('\n')));
  }

  permanent(text: string): void {
    this.live.clear();
    this.io.stderr.write(this.io.redact(text) + '\n');
    this.draw();
  }

  close(): void {
    clearInterval(this.timer);
    this.running.clear();
    this.live.clear();
    this.live.done();
  }
}

function keyOf(service: string, step: string): string {
  return `${service}\u0000${step}`;
}
