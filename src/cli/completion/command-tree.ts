import type { Argument, Command, Option } from 'commander';

/**
 * The command line as shell completion needs it, read from commander's own tree (its public
 * Help API, which also lists the implicit `help` command and `--help`), so a command or option
 * added to src/cli/main.ts is completed without further work.
 */

/** What a value is completed with: nothing, file names, directory names or fixed words. */
export type ValueKind = 'none' | 'text' | 'file' | 'dir' | 'choices';

export interface CompletedOption {
  /** `--long` and `-s`. */
  names: string[];
  description: string;
  /** 'none' for a flag, and for an optional value (`--wait [seconds]`), which is given as `--wait=600`. */
  value: ValueKind;
  /** The value's name in the help: `dir`, `n`, `format`. */
  valueName: string;
  choices: string[];
}

export interface CompletedArgument {
  name: string;
  value: ValueKind;
  choices: string[];
}

export interface CompletedCommand {
  name: string;
  description: string;
  options: CompletedOption[];
  args: CompletedArgument[];
}

export interface CommandTree {
  name: string;
  options: CompletedOption[];
  commands: CompletedCommand[];
}

/**
 * The kind of a value, from its name as written in main.ts: `<dir>`, `<output-dir>` and
 * `[dir]` are directories; `<file>`, `<path>`, `<spec>` and `<release.json>` name files (a spec
 * may be a directory too, which file completion also offers); anything else is free text.
 */
function kindOf(name: string, choices: readonly string[] | undefined): ValueKind {
  if (choices !== undefined && choices.length > 0) return 'choices';
  if (/dir$/i.test(name)) return 'dir';
  if (/file|path|spec|release/i.test(name)) return 'file';
  return 'text';
}

function optionOf(option: Option): CompletedOption {
  const valueName = /[<[]([^>\]]+)[>\]]/.exec(option.flags)?.[1] ?? '';
  return {
    names: [option.long, option.short].filter((n): n is string => n !== undefined),
    description: option.description,
    value: option.required ? kindOf(valueName, option.argChoices) : 'none',
    valueName,
    choices: option.argChoices ?? [],
  };
}

function argumentOf(arg: Argument, commands: readonly string[]): CompletedArgument {
  // `help [command]` completes the names of the commands.
  const choices = arg.argChoices ?? (arg.name() === 'command' ? [...commands] : undefined);
  return { name: arg.name(), value: kindOf(arg.name(), choices), choices: choices ?? [] };
}

export function commandTree(program: Command): CommandTree {
  const help = program.createHelp();
  const subcommands = help.visibleCommands(program);
  const names = subcommands.map((c) => c.name());
  return {
    name: program.name(),
    options: help.visibleOptions(program).map(optionOf),
    commands: subcommands.map((c) => ({
      name: c.name(),
      description: c.description(),
      options: help.visibleOptions(c).map(optionOf),
      args: c.registeredArguments.map((a) => argumentOf(a, names)),
    })),
  };
}
