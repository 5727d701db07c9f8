import type { Event, FieldChange, ResourceRef } from '../../core/events.js';

type LifecycleEvent = Extract<
  Event,
  {
    kind:
      | 'diff-resource'
      | 'diff-summary'
      | 'apply-planned'
      | 'prune-planned'
      | 'inventory-written'
      | 'wave-started'
      | 'resource-applied'
      | 'resource-ready'
      | 'apply-summary';
  }
>;

const SIGN = { added: '+', removed: '-', changed: '~' } as const;
/** Long values (a whole container added) are cut in the human form; json events carry them whole. */
const VALUE_CHARS = 100;

/** Human text for the diff, prune and inventory events; may span lines. */
export function describeLifecycleEvent(e: LifecycleEvent): string {
  switch (e.kind) {
    case 'diff-resource': {
      const head = `${SIGN[e.change]} ${e.file} (${refText(e)})${e.oldFile !== undefined ? `, was ${e.oldFile}` : ''}`;
      return [head, ...(e.fields ?? []).map((f) => `    ${f.path}: ${fieldText(f)}`)].join('\n');
    }
    case 'diff-summary':
      return `${e.added} added, ${e.removed} removed, ${e.changed} changed, ${e.unchanged} unchanged`;
    case 'apply-planned':
      return [`would apply ${plural(e.files.length)}:`, ...e.files.map((f) => `  ${f}`)].join('\n');
    case 'prune-planned':
      if (e.resources.length === 0) return e.dryRun ? 'would delete nothing' : 'nothing to delete';
      return [
        `${e.dryRun ? 'would delete' : 'deleting'} ${plural(e.resources.length)}:`,
        ...e.resources.map((r) => `  ${refText(r)}`),
      ].join('\n');
    case 'inventory-written':
      return `recorded ${plural(e.resources)} in ConfigMap ${e.namespace}/${e.name} (installation ${e.installation})`;
    case 'wave-started':
      return `wave ${e.wave}: ${plural(e.resources)}`;
    case 'resource-applied':
      return `${refText(e)} ${e.action === 'replaced' ? 'replaced (deleted and created: the change is to an immutable field)' : e.action}${e.dryRun ? ' (dry run)' : ''}`;
    case 'resource-ready':
      return `${refText(e)} ready`;
    case 'apply-summary': {
      const total = e.created + e.configured + e.unchanged + e.replaced;
      return `${e.dryRun ? 'would apply' : 'applied'} ${plural(total)}: ${e.created} created, ${e.configured} configured, ${e.unchanged} unchanged, ${e.replaced} replaced`;
    }
  }
}

/** `Deployment apps/web` (namespace/name), or `Namespace tc` for a cluster-scoped one. */
export function refText(r: ResourceRef): string {
  return `${r.resourceKind} ${r.namespace !== undefined ? `${r.namespace}/` : ''}${r.name}`;
}

function fieldText(f: FieldChange): string {
  if (f.masked === true) return `${f.change} (Secret value not shown)`;
  switch (f.change) {
    case 'added':
      return `added ${valueText(f.new)}`;
    case 'removed':
      return `removed (was ${valueText(f.old)})`;
    case 'changed':
      return `${valueText(f.old)} -> ${valueText(f.new)}`;
    case 'reordered':
      return `order ${valueText(f.old)} -> ${valueText(f.new)}`;
  }
}

function valueText(v: unknown): string {
  const text = JSON.stringify(v) ?? 'null';
  return text.length > VALUE_CHARS ? `${text.slice(0, VALUE_CHARS)}…` : text;
}

function plural(n: number): string {
  return `${n} resource${n === 1 ? '' : 's'}`;
}
