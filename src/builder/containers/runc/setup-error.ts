/**
 * Something a user can act on that stops a runc step before its command runs: a refused or
 * corrupt layer, a user missing from the image, a bad bind, an overlay that cannot be mounted.
 * The runner reports it as `<label> failed: <message>`.
 */
export class SetupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SetupError';
  }
}
