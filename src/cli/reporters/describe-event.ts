import type { Event } from '../../core/events.js';
import { describeLifecycleEvent } from './describe-lifecycle-event.js';

/** One human line per event, shared by the plain and tty reporters; undefined = not shown. */
export function describeEvent(e: Event): string | undefined {
  switch (e.kind) {
    case 'warning':
      return (
        'warning: ' +
        [e.file, e.path].filter((x) => x !== undefined).join(': ') +
        (e.file || e.path ? ': ' : '') +
        e.message
      );
    case 'info':
      return e.message;
    case 'lock-waiting':
      return `waiting for lock ${e.lockFile} held by ${e.holder}`;
    case 'source-resolved':
      return `${e.repository}: ${e.ref} -> ${e.commit.slice(0, 12)}${e.network ? '' : ' (cached)'}`;
    case 'plan-decided':
      return `${e.service}: ${e.action} ${e.image} (${e.reason})`;
    case 'step-started':
      return `${e.service}: ${e.step} started`;
    case 'step-skipped':
      return `${e.service}: ${e.step} skipped (${e.reason})`;
    case 'step-finished':
      return `${e.service}: ${e.step} done in ${formatMs(e.elapsedMs)}`;
    case 'step-failed':
      return (
        `${e.service}: ${e.step} FAILED after ${formatMs(e.elapsedMs)}: ${e.message}` +
        (e.logFile !== undefined ? ` (log: ${e.logFile})` : '')
      );
    case 'log-line':
      return `${e.service} | ${e.line}`;
    case 'engine-chosen':
      return `${e.service}: ${e.step} on engine ${e.engine} (${e.reason})`;
    case 'image-pushed':
      return `${e.service}: pushed ${e.ref}@${e.digest}${e.engine !== undefined ? ` from ${e.engine}` : ''}`;
    case 'release-written':
      return `wrote release ${e.file}`;
    case 'resource-written':
      return undefined;
    case 'output-written':
      return `wrote ${e.files} resources to ${e.dir}`;
    case 'kubectl-output':
      return e.line;
    case 'diff-resource':
    case 'diff-summary':
    case 'apply-planned':
    case 'prune-planned':
    case 'inventory-written':
    case 'wave-started':
    case 'resource-applied':
    case 'resource-ready':
    case 'apply-summary':
      return describeLifecycleEvent(e);
    default:
      return assertNever(e);
  }
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`;
}

function assertNever(x: never): never {
  throw new Error(`unhandled event ${JSON.stringify(x)}`);
}
