/** Shorter values would mask ordinary text and are not credentials worth the name. */
const SHORTEST = 4;

/**
 * Masks known secret strings in text. Every credential the tool learns (registry passwords,
 * tokens in source URLs, `!env` values used as credentials, each line of a secret file) is
 * registered here once, and every path to the outside (logs, events, errors) passes text
 * through `redact`, its URI-encoded form masked too.
 *
 * A secret file's lines count one by one, so a CA bundle given as a secret makes thousands,
 * and every line a step prints passes here: the secrets are indexed by their first four
 * characters and a text is scanned once, the longest secret starting at each position masked,
 * instead of one pass over the text per secret (with the CA bundle of this machine, 3,500
 * lines, that cost milliseconds per log line). Written here: the npm packages for matching
 * many strings at once (Aho-Corasick) are unmaintained, and this index is a few lines.
 */
export class Redactor {
  private readonly secrets = new Set<string>();
  /** Each secret and its URI-encoded form, by their first SHORTEST characters, longest first. */
  private readonly byPrefix = new Map<string, string[]>();

  add(secret: string | undefined): void {
    if (secret === undefined || secret.length < SHORTEST || this.secrets.has(secret)) return;
    this.secrets.add(secret);
    for (const form of new Set([secret, uriEncoded(secret)])) {
      const key = form.slice(0, SHORTEST);
      const forms = [...(this.byPrefix.get(key) ?? []), form].sort((a, b) => b.length - a.length);
      this.byPrefix.set(key, forms);
    }
  }

  redact(text: string): string {
    if (this.byPrefix.size === 0) return text;
    let out = '';
    let from = 0;
    for (let i = 0; i + SHORTEST <= text.length;) {
      const hit = this.byPrefix.get(text.slice(i, i + SHORTEST))?.find((s) => text.startsWith(s, i));
      if (hit === undefined) {
        i++;
        continue;
      }
      out += `${text.slice(from, i)}***`;
      i += hit.length;
      from = i;
    }
    return from === 0 ? text : out + text.slice(from);
  }
}

/** The form a secret takes in a URL; the secret itself when it has none (a lone surrogate). */
function uriEncoded(secret: string): string {
  try {
    return encodeURIComponent(secret);
  } catch {
    return secret;
  }
}
