import { createRequire } from 'node:module';

/**
 * json-e's own error classes. Its typings export only the render function, but an error thrown
 * from a context function is given a template location only when it is one of these classes,
 * so `builtService` throws a subclass of `InterpreterError` (json-e 4.8.4 is pinned).
 */
export interface JsonEError extends Error {
  /** Segments like `.resources`, `[3]`, `["odd key"]`, outermost first. */
  location: string[];
}

type JsonEErrorClass = new (message: string) => JsonEError;

const errors = createRequire(import.meta.url)('json-e/src/error.js') as {
  JSONTemplateError: JsonEErrorClass;
  SyntaxError: JsonEErrorClass;
  InterpreterError: JsonEErrorClass;
  TemplateError: JsonEErrorClass;
  BuiltinError: JsonEErrorClass;
};

export function isJsonEError(e: unknown): e is JsonEError {
  return e instanceof errors.JSONTemplateError;
}

/**
 * Errors that a missing or mistyped context value can cause, as opposed to a broken template:
 * all interpreter errors, and the template errors about what an operator's value evaluated to.
 */
export function isValueError(e: unknown): boolean {
  // A name the context lacks is the template's doing (often a shell's `${HOME}`): cfg, infra
  // and the other context names are always there, stand-ins included.
  if (e instanceof UnknownServiceError || isUnknownName(e)) return false;
  if (e instanceof errors.InterpreterError || e instanceof errors.BuiltinError) return true;
  return (
    e instanceof errors.TemplateError &&
    /evaluate to|produced an array or object|expects|value must be an object|same type|one truthy condition/.test(
      e.message,
    )
  );
}

/**
 * What a shell's `${…}` inside a template string makes JSON-e throw, since JSON-e reads every
 * `${…}` in a string as an expression: an unknown name (`${HOME}`) or a syntax error
 * (`${HOME:-/root}`, `${#args}`, an unclosed `${`).
 */
export function isExpressionError(e: unknown): boolean {
  return e instanceof errors.SyntaxError || isUnknownName(e);
}

function isUnknownName(e: unknown): boolean {
  return e instanceof errors.InterpreterError && e.message.startsWith('unknown context value ');
}

/** Thrown by `builtService` for a name that is not a service of the spec. */
export class UnknownServiceError extends errors.InterpreterError {}
