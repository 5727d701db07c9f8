import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../helpers/run-cli.js';

/** Every file under the given paths of the repository, recursively. */
function filesUnder(...paths: string[]): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    if (statSync(p).isDirectory()) for (const name of readdirSync(p)) walk(join(p, name));
    else out.push(p);
  };
  for (const p of paths) walk(join(repoRoot, p));
  return out;
}

const shown = (file: string) => relative(repoRoot, file);

test('README, docs and sources refer to nothing outside the repository', () => {
  // The design notes beside the repository are not part of what users get.
  const outside = /\.\.\/shared|shared\/design|contract\.md|\bthe contract\b|contract §/i;
  const found = filesUnder('README.md', 'docs', 'src')
    .flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .map((line, i) => [file, i + 1, line] as const),
    )
    .filter(([, , line]) => outside.test(line))
    .map(([file, n, line]) => `${shown(file)}:${n}: ${line.trim()}`);
  assert.deepEqual(found, []);
});

/** GitHub's anchor of a heading: lowercase, punctuation dropped, spaces as hyphens. */
const anchorOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

test('every relative link in README and docs leads to a file of the repository, and to a heading in it', () => {
  const broken: string[] = [];
  const markdown = filesUnder('README.md', 'docs', 'bench/README.md').filter((f) => f.endsWith('.md'));
  for (const file of markdown) {
    const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (target === undefined || /^[a-z]+:/.test(target)) continue;
      const [path = '', anchor] = target.split('#');
      const dest = path === '' ? file : resolve(dirname(file), path);
      if (relative(repoRoot, dest).startsWith('..') || !existsSync(dest)) {
        broken.push(`${shown(file)}: ${target}: no such file in the repository`);
        continue;
      }
      if (anchor === undefined || !dest.endsWith('.md')) continue;
      const anchors = [
        ...readFileSync(dest, 'utf8')
          .replace(/```[\s\S]*?```/g, '')
          .matchAll(/^#+ (.+)$/gm),
      ].map((m) => anchorOf(m[1] ?? ''));
      if (!anchors.includes(anchor)) broken.push(`${shown(file)}: ${target}: no heading "#${anchor}" there`);
    }
  }
  assert.deepEqual(broken, []);
  assert.ok(markdown.length >= 10);
});
