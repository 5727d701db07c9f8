/** Full 40-hex commit ids are used as they are; anything else is a ref name to resolve. */
export function isFullSha(ref: string): boolean {
  return /^[0-9a-f]{40}$/.test(ref);
}

/**
 * The `git ls-remote` arguments that list every ref of interest in one call: the default
 * branch (`HEAD`) when a source has no ref, and each named ref. git expands each pattern to
 * `refs/<name>`, `refs/tags/<name>`, `refs/heads/<name>`…, and lists peeled tags (`^{}`).
 */
export function lsRemotePatterns(refs: ReadonlyArray<string | undefined>): string[] {
  const out = new Set<string>();
  for (const r of refs) {
    if (r === undefined || r === 'HEAD') out.add('HEAD');
    else if (!isFullSha(r)) {
      out.add(r);
      // With patterns, git lists an annotated tag's peeled commit only if asked for it too.
      out.add(`${r}^{}`);
    }
  }
  return [...out];
}

/** Parses `<sha>\t<ref>` lines into ref -> sha. */
export function parseLsRemote(stdout: string): Map<string, string> {
  const refs = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const m = /^([0-9a-f]{40,64})\t(\S+)$/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) refs.set(m[2], m[1]);
  }
  return refs;
}

/**
 * Picks the commit a ref name means, in git's own order of precedence (`refs/<name>`, then
 * tags, then branches). An annotated tag resolves to the commit it points at (its `^{}` line),
 * not to the tag object. No ref means the remote's default branch, `HEAD`.
 */
export function pickRef(refs: ReadonlyMap<string, string>, ref: string | undefined): string | undefined {
  if (ref === undefined || ref === 'HEAD') return refs.get('HEAD');
  const candidates = ref.startsWith('refs/')
    ? [ref]
    : [`refs/${ref}`, `refs/tags/${ref}`, `refs/heads/${ref}`, `refs/remotes/${ref}`];
  for (const c of candidates) {
    const sha = refs.get(`${c}^{}`) ?? refs.get(c);
    if (sha !== undefined) return sha;
  }
  return undefined;
}
