import { schemaFor } from './resource-schemas.js';

/**
 * Starts loading the schema of every kind the deploy template names literally (an object with
 * string `apiVersion` and `kind`), so that the modules are read and compiled while the render
 * worker runs, not after it. A guess only: kinds made by expressions load when checked.
 * Iterative, and bounded by the template's size, which the loader already limits.
 */
export function preloadSchemas(template: unknown): void {
  const stack: unknown[] = [template];
  const seen = new Set<string>();
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== 'object' || node === null) continue;
    if (!Array.isArray(node)) {
      const { apiVersion, kind } = node as Record<string, unknown>;
      if (typeof apiVersion === 'string' && typeof kind === 'string' && !seen.has(`${apiVersion} ${kind}`)) {
        seen.add(`${apiVersion} ${kind}`);
        // schemaFor never rejects: an unknown kind resolves to undefined.
        void schemaFor(apiVersion, kind);
      }
    }
    for (const child of Object.values(node)) stack.push(child);
  }
}
