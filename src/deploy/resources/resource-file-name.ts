/**
 * Why `part` (a kind or a name) cannot be part of a file name in the output directory, or
 * undefined when it can. Names come from templates, and so from whoever wrote the template
 * or its inputs: nothing may lead outside the directory or hide as a dotfile.
 */
export function fileNamePartProblem(part: string): string | undefined {
  if (part === '') return 'is empty';
  if (part.includes('\u0000')) return 'contains a NUL character';
  if (part.includes('/')) return 'contains "/"';
  if (part.includes('\\')) return 'contains "\\"';
  if (part.includes('..')) return 'contains ".."';
  if (part.startsWith('.')) return 'starts with "."';
  return undefined;
}

/** `<kind>-<name>.json` */
export function resourceFileName(kind: string, name: string): string {
  return `${kind}-${name}.json`;
}

/** Most file systems refuse longer names. */
export const MAX_FILE_NAME_BYTES = 255;
