import type { Command } from 'commander';
import { bashScript } from '../completion/bash-script.js';
import { commandTree } from '../completion/command-tree.js';
import { zshScript } from '../completion/zsh-script.js';

/**
 * `completion bash|zsh`: prints a completion script made from commander's command tree.
 *
 * Why generated here and not with a library: tabtab, @pnpm/tabtab and omelette answer every
 * TAB by running the program again (a Node start, 50-100 ms, per key press) and edit shell
 * start-up files; @bomb.sh/tab is at 0.0.x. Our command line is fixed at build time, so a
 * static script, made from the same commander tree that parses the command line, completes at
 * once, needs no run-time dependency, and cannot drift from the real options.
 */
export function completionCommand(program: Command, shell: 'bash' | 'zsh'): void {
  const tree = commandTree(program);
  process.stdout.write(shell === 'bash' ? bashScript(tree) : zshScript(tree));
}
