import type { CollectedFiles } from '../build-type.js';
import { shQuote } from '../../core/sh-quote.js';
import { text } from './install-scripts.js';

/**
 * Where the build step writes which commands the dev dependencies installed: in `/app`, which
 * the step hands back, and taken out of what it hands back before the app layer is made.
 */
const DEV_COMMANDS_FILE = '/app/.taskcluster-installer-dev-commands.json';

/**
 * Reads, in the build container after the script, the `bin` of each dev dependency of the
 * given folders' package.json files from the installed tree, as `{command: package}`. Yarn's
 * and pnpm's lock files name no commands (`dotenv-cli` installs `dotenv`), so without this the
 * start check knew a dev dependency's command only when it is named after its package.
 */
const PROGRAM = `
const fs = require('fs'), path = require('path');
const [out, ...dirs] = process.argv.slice(1);
const read = (f) => { try { return JSON.parse(fs.readFileSync(f, 'utf8')); } catch { return undefined; } };
const commands = {};
for (const dir of dirs)
  for (const dep of Object.keys((read(path.join(dir, 'package.json')) || {}).devDependencies || {})) {
    const p = dirs.map((d) => read(path.join(d, 'node_modules', dep, 'package.json'))).find(Boolean);
    const bin = typeof p?.bin === 'string' ? { [dep.replace(/^@[^/]*\\//, '')]: p.bin } : p?.bin || {};
    for (const c of Object.keys(bin)) commands[c] = dep;
  }
fs.writeFileSync(out, JSON.stringify(commands));
`;

/** The shell command that writes the file, for the dev dependencies of `folders` (container paths). */
export function writeDevCommands(folders: readonly string[]): string {
  return ['node', '-e', PROGRAM, DEV_COMMANDS_FILE, ...new Set(folders)].map(shQuote).join(' ');
}

/** Whether a path of the build step's output is that file (the step's `exclude` keeps it). */
export function isDevCommandsFile(path: string): boolean {
  return path === DEV_COMMANDS_FILE.slice(1);
}

/** The build step's output: the app, and the commands of the dev dependencies by name. */
export interface BuiltApp extends CollectedFiles {
  devCommands: ReadonlyMap<string, string>;
}

/** The build step's output without the file, and the commands it names. */
export async function takeDevCommands(collected: CollectedFiles): Promise<BuiltApp> {
  const file = collected.entries.find((e) => isDevCommandsFile(e.path));
  const parsed =
    file?.type === 'file' ? (JSON.parse(await text(await file.content())) as Record<string, string>) : {};
  return {
    entries: collected.entries.filter((e) => e !== file),
    close: () => collected.close(),
    devCommands: new Map(Object.entries(parsed)),
  };
}
