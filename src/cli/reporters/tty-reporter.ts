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
  const live = createLogUpdate(io.stderr as NodeJS.WriteStream);
  const running = new Map<string, Running>();
  let frame = 0;

  const keyOf = (service: string, step: string) => `${service}\u0000${step}`;

  function draw(): void {
    const spin = FRAMES[frame++ % FRAMES.length] ?? '*';
    const cols = (io.stderr as NodeJS.WriteStream).columns ?? 100;
    const lines: string[] = [];
    for (const [key, r] of running) {
      const service = key.split('\u0000')[0] ?? '';
      lines.push(`${spin} ${service}: ${r.step}${onEngine(r)} ${formatMs(Date.now() - r.startedAt)}`);
      for (const l of r.lastLines) lines.push(`    ${l}`.slice(0, cols - 1));
    }
    live(io.redact(lines.join('\n')));
  }

  function permanent(text: string): void {
    live.clear();
    io.stderr.write(io.redact(text) + '\n');
    draw();
  }

  const timer = setInterval(draw, 100);
  timer.unref();

  return {
    emit(e: Event) {
      switch (e.kind) {
        case 'step-started':
          running.set(keyOf(e.service, e.step), { step: e.step, startedAt: Date.now(), lastLines: [] });
          draw();
          return;
        case 'engine-chosen': {
          const r = running.get(keyOf(e.service, e.step));
          if (r) {
            r.engine = e.engine;
            draw();
          } else permanent(describeEvent(e) ?? '');
          return;
        }
        case 'log-line': {
          const r = running.get(keyOf(e.service, e.step));
          if (r) {
            r.lastLines.push(e.line);
            if (r.lastLines.length > TAIL) r.lastLines.shift();
          }
          return;
        }
        case 'step-finished': {
          const r = running.get(keyOf(e.service, e.step));
          running.delete(keyOf(e.service, e.step));
          permanent(`✔ ${e.service}: ${e.step}${r ? onEngine(r) : ''} ${formatMs(e.elapsedMs)}`);
          return;
        }
        case 'step-failed':
          running.delete(keyOf(e.service, e.step));
          permanent(`✖ ${describeEvent(e) ?? ''}`);
          return;
        default: {
          const text = describeEvent(e);
          if (text !== undefined) permanent(text);
        }
      }
    },
    close() {
      clearInterval(timer);
      running.clear();
      live.clear();
      live.done();
    },
  };
}
