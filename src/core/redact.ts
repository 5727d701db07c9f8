/**
 * Masks known secret strings in text. Every credential the tool learns (registry passwords,
 * tokens in source URLs, `!env` values used as credentials) is registered here once, and every
 * path to the outside (logs, events, errors) passes text through `redact`.
 */
export class Redactor {
  private readonly secrets = new Set<string>();

  add(secret: string | undefined): void {
    // Very short values would mask ordinary text and are not credentials worth the name.
    if (secret !== undefined && secret.length >= 4) this.secrets.add(secret);
  }

  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) {
      if (out.includes(s)) out = out.split(s).join('***');
      const enc = encodeURIComponent(s);
      if (enc !== s && out.includes(enc)) out = out.split(enc).join('***');
    }
    return out;
  }

  get size(): number {
    return this.secrets.size;
  }
}
