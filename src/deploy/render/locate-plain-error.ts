import jsone from 'json-e';
import { isJsonEError } from './json-e-errors.js';

type Segment = string | number;

/** Enough for any template a person writes; a hostile one is not searched exhaustively. */
const MAX_TRIES = 2000;

/**
 * Some malformed expressions (`a +`, `$fromNow: forever`) and values too deep to copy make
 * JSON-e fail with a plain error that carries no template location. Rendering each operator
 * node or interpolated string on its own, in the same context, reproduces the error where it
 * lives: the deepest node that does is the place. (A node using a variable bound further up
 * fails differently alone, so the search moves up to the node that binds it.)
 */
export function locatePlainError(
  template: unknown,
  message: string,
  context: Record<string, unknown>,
): Segment[] | undefined {
  let tries = 0;
  const reproduces = (node: unknown): boolean => {
    if (tries++ >= MAX_TRIES) return false;
    try {
      jsone(node as Record<string, unknown>, context);
      return false;
    } catch (e) {
      return !isJsonEError(e) && e instanceof Error && e.message === message;
    }
  };
  const search = (node: unknown, path: Segment[]): Segment[] | undefined => {
    if (Array.isArray(node)) {
      for (const [i, child] of node.entries()) {
        const found = search(child, [...path, i]);
        if (found) return found;
      }
      return undefined;
    }
    if (typeof node === 'object' && node !== null) {
      for (const [key, child] of Object.entries(node)) {
        const found = search(child, [...path, key]);
        if (found) return found;
      }
      return Object.keys(node).some((k) => k.startsWith('$')) && reproduces(node) ? path : undefined;
    }
    return typeof node === 'string' && node.includes('${') && reproduces(node) ? path : undefined;
  };
  return search(template, []);
}
