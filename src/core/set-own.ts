/**
 * Sets `key` on `o` as an own, enumerable data property, as JSON.parse does: plain assignment
 * of a key named `__proto__` (which YAML, JSON and templates may hold) would replace the
 * object's prototype instead of adding data.
 */
export function setOwn(o: object, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}
