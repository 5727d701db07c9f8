/**
 * The rules of `git check-ref-format` (with --allow-onelevel, since `master` is a valid source
 * ref), checked by hand so that a bad ref is reported while loading, before any git runs.
 * Returns why `ref` is invalid, or undefined when it is fine.
 */
export function checkRefFormat(ref: string): string | undefined {
  if (ref === '@') return 'it cannot be "@" alone';
  // git refuses such branch names too; here it also keeps a ref from being read as an option.
  if (ref.startsWith('-')) return 'it cannot begin with "-"';
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(ref)) {
    return 'it cannot contain spaces, control characters or any of ~ ^ : ? * [ \\';
  }
  if (ref.includes('..')) return 'it cannot contain ".."';
  if (ref.includes('@{')) return 'it cannot contain "@{"';
  if (ref.startsWith('/') || ref.endsWith('/') || ref.includes('//')) {
    return 'it cannot begin or end with "/" or contain "//"';
  }
  if (ref.endsWith('.')) return 'it cannot end with "."';
  for (const part of ref.split('/')) {
    if (part.startsWith('.')) return 'no part of it can begin with "."';
    if (part.endsWith('.lock')) return 'no part of it can end with ".lock"';
  }
  return undefined;
}
