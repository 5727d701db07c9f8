/** A word of a Dockerfile with where it stands in the text, so that it can be replaced there. */
export interface DockerfileWord {
  text: string;
  /** Offsets in the Dockerfile's text: `text === source.slice(start, end)` unless a line continuation splits it. */
  start: number;
  end: number;
}

export interface DockerfileInstruction {
  /** Upper case: `FROM`, `COPY`, … */
  keyword: string;
  /** The words after the keyword, flags (`--from=…`) included, quoted parts kept together. */
  words: DockerfileWord[];
  /** 1-based line of the keyword. */
  line: number;
}

export interface ParsedDockerfile {
  /** Parser directives (`# syntax=…`, `# escape=…`) by lower-case name: their value word. */
  directives: Map<string, DockerfileWord>;
  instructions: DockerfileInstruction[];
}

/**
 * Splits a Dockerfile into instructions as Docker's parser does, keeping each word's place in
 * the text: parser directives only before any other line, the escape character they set, line
 * continuations (joined without a space, as Docker joins them), comment and empty lines inside
 * continuations skipped. Shared by the base-image reader and the `FROM` rewriter, so both read
 * a Dockerfile the same way.
 */
export function parseDockerfile(text: string): ParsedDockerfile {
  const lines = physicalLines(text);
  const directives = new Map<string, DockerfileWord>();
  let escape = '\\';
  for (const { content, offset } of lines) {
    const d = /^#\s*([a-zA-Z]+)\s*=\s*(\S+)\s*$/.exec(content);
    if (!d) break;
    const name = (d[1] as string).toLowerCase();
    const value = d[2] as string;
    const start = offset + content.lastIndexOf(value);
    directives.set(name, { text: value, start, end: start + value.length });
    if (name === 'escape' && (value === '`' || value === '\\')) escape = value;
  }
  const instructions: DockerfileInstruction[] = [];
  let chars = '';
  let offsets: number[] = [];
  let firstLine = 0;
  let continuing = false;
  for (const [i, { content, offset }] of lines.entries()) {
    const trimmed = content.trim();
    if (trimmed.startsWith('#') || (continuing && trimmed === '')) continue;
    if (!continuing) firstLine = i + 1;
    const body = content.replace(/\s+$/, '');
    const continues = body.endsWith(escape);
    const kept = continues ? body.slice(0, -escape.length) : body;
    chars += kept;
    for (let k = 0; k < kept.length; k++) offsets.push(offset + k);
    continuing = continues;
    if (continues) continue;
    const instruction = toInstruction(chars, offsets, firstLine);
    if (instruction) instructions.push(instruction);
    chars = '';
    offsets = [];
  }
  const last = toInstruction(chars, offsets, firstLine);
  if (last) instructions.push(last);
  return { directives, instructions };
}

function physicalLines(text: string): { content: string; offset: number }[] {
  const out: { content: string; offset: number }[] = [];
  const re = /([^\r\n]*)(\r?\n|$)/g;
  for (let m = re.exec(text); m !== null && m.index < text.length; m = re.exec(text)) {
    out.push({ content: m[1] as string, offset: m.index });
    if (m[0] === '') break;
  }
  return out;
}

function toInstruction(chars: string, offsets: number[], line: number): DockerfileInstruction | undefined {
  const words: DockerfileWord[] = [];
  // Whitespace separates words; quoted parts stay together (`"a b"` is one word).
  for (const m of chars.matchAll(/(?:[^\s"']+|"[^"]*"|'[^']*')+/g)) {
    const at = m.index;
    words.push({
      text: m[0],
      start: offsets[at] as number,
      end: (offsets[at + m[0].length - 1] as number) + 1,
    });
  }
  const [keyword, ...rest] = words;
  if (keyword === undefined) return undefined;
  return { keyword: keyword.text.toUpperCase(), words: rest, line };
}
