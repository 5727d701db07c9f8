import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** One benchmark service: a bare git repository holding a small but realistic app. */
export interface ServiceRepo {
  name: string;
  /** Absolute path of the bare repository (a local-path source). */
  path: string;
  /** The commit `main` points at. */
  head: string;
}

const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Bench',
  GIT_AUTHOR_EMAIL: 'bench@example.invalid',
  GIT_COMMITTER_NAME: 'Bench',
  GIT_COMMITTER_EMAIL: 'bench@example.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
};

function git(args: string[], input?: string): string {
  return execFileSync('git', args, {
    env: gitEnv,
    encoding: 'utf8',
    ...(input !== undefined ? { input } : {}),
    maxBuffer: 64 * 1024 * 1024,
  }).trim();
}

/** Files per app: enough to make naive context hashing and `COPY` do real work. */
const MODULES = 240;
const ASSETS = 40;

/**
 * The app's files: a package manifest, 240 JavaScript modules of about 1.5 KB, 40 static
 * assets, docs and a Dockerfile of six steps on `baseImage` (each step of the
 * legacy builder costs a container commit, so the first build of 50 stays short). Every file mentions the
 * service, so no two images share their app layers.
 */
export function appFiles(name: string, baseImage: string): Map<string, string> {
  const files = new Map<string, string>();
  files.set(
    'Dockerfile',
    [
      `FROM ${baseImage}`,
      'WORKDIR /app',
      'COPY package.json ./',
      'COPY . ./',
      'RUN find /app -type f | wc -l > /app/file-count',
      'CMD ["httpd", "-f", "-p", "8080", "-h", "/app/public"]',
      '',
    ].join('\n'),
  );
  files.set('.dockerignore', 'docs/\n*.md\n');
  files.set('package.json', JSON.stringify({ name, version: '1.0.0', main: 'src/index.js' }, null, 2) + '\n');
  files.set('README.md', `# ${name}\n\nA benchmark service.\n`);
  files.set('docs/design.md', `# ${name} design\n\n${'Lorem ipsum dolor sit amet. '.repeat(40)}\n`);
  for (let i = 0; i < MODULES; i++) {
    const body = Array.from(
      { length: 12 },
      (_, j) =>
        `export function ${name.replace(/\W/g, '_')}_fn${i}_${j}(x) {\n  return x * ${i + j} + ${j};\n}\n`,
    ).join('\n');
    files.set(`src/lib/module-${String(i).padStart(3, '0')}.js`, `// ${name} module ${i}\n${body}`);
  }
  files.set(
    'src/index.js',
    Array.from({ length: MODULES }, (_, i) => {
      const n = String(i).padStart(3, '0');
      return `import * as m${n} from './lib/module-${n}.js';`;
    }).join('\n') + '\n',
  );
  for (let i = 0; i < ASSETS; i++) {
    files.set(
      `public/page-${i}.html`,
      `<!doctype html><title>${name} ${i}</title><p>${'x'.repeat(600)}</p>\n`,
    );
  }
  return files;
}

/** A `git fast-import` commit of `files` on `refs/heads/main`, after `parent` if given. */
function commitStream(files: Map<string, string>, message: string, parent?: string): string {
  const parts = [
    'commit refs/heads/main',
    'committer Bench <bench@example.invalid> 1700000000 +0000',
    `data ${Buffer.byteLength(message)}`,
    message,
  ];
  if (parent !== undefined) parts.push(`from ${parent}`);
  for (const [path, content] of files) {
    parts.push(`M 100644 inline ${path}`, `data ${Buffer.byteLength(content)}`, content);
  }
  return parts.join('\n') + '\n';
}

/**
 * Makes one bare repository per name with one commit of the app's files, with `git
 * fast-import` (a single process per repository: 50 of them take a few seconds).
 */
export function makeServiceRepos(dir: string, names: readonly string[], baseImage: string): ServiceRepo[] {
  return names.map((name) => {
    const path = join(dir, `${name}.git`);
    git(['init', '-q', '--bare', '-b', 'main', path]);
    git(['-C', path, 'fast-import', '--quiet'], commitStream(appFiles(name, baseImage), 'initial'));
    return { name, path, head: git(['-C', path, 'rev-parse', 'refs/heads/main']) };
  });
}

/** A new commit on `main` changing one module; returns its SHA. */
export function commitChange(repo: ServiceRepo, label: string): string {
  const files = new Map([['src/lib/module-000.js', `// changed: ${label}\nexport const changed = 1;\n`]]);
  const parent = git(['-C', repo.path, 'rev-parse', 'refs/heads/main']);
  git(['-C', repo.path, 'fast-import', '--quiet'], commitStream(files, `change ${label}`, parent));
  return git(['-C', repo.path, 'rev-parse', 'refs/heads/main']);
}
