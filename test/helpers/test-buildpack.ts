import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GitRepo } from './git-repo.js';

/**
 * A tiny classic buildpack in POSIX sh, as a git repository:
 * - `bin/detect` accepts an app that has a `greeting` file;
 * - `bin/compile` writes `.profile.d/greeting.sh` (exporting GREETING), a `bin/greet` program,
 *   a `build-info` file (STACK, SOURCE_VERSION, the build uid, the buildpack's `version`), and
 *   counts its runs in the cache (`compile-count`, copied into the app) to show the cache persists;
 *   an app with a `fail-compile` file makes it fail, one with `slow-compile` makes it sleep a minute;
 * - `bin/release` names `web: bin/greet` as the default process.
 * Commit a change to `version` to make a new buildpack commit.
 */
export function createTestBuildpack(path: string, version = '1'): GitRepo {
  const files: Record<string, string> = {
    version: `${version}\n`,
    'bin/detect': `#!/bin/sh
if [ -f "$1/greeting" ]; then echo "Greeting"; exit 0; fi
echo "no greeting file" >&2
exit 1
`,
    'bin/compile': `#!/bin/sh
set -e
app="$1"; cache="$2"; env_dir="$3"
bp="$(cd "$(dirname "$0")/.." && pwd)"
echo "-----> compiling greeting"
if [ -f "$app/fail-compile" ]; then echo "compile failed on purpose" >&2; exit 3; fi
if [ -f "$app/slow-compile" ]; then echo "sleeping"; sleep 60; fi
count=$(( $(cat "$cache/compile-count" 2>/dev/null || echo 0) + 1 ))
echo "$count" > "$cache/compile-count"
cp "$cache/compile-count" "$app/compile-count"
mkdir -p "$app/.profile.d" "$app/bin"
printf 'export GREETING="%s"\\n' "$(cat "$app/greeting")" > "$app/.profile.d/greeting.sh"
printf '#!/bin/sh\\necho "$GREETING from $0 $*"\\n' > "$app/bin/greet"
chmod +x "$app/bin/greet"
printf 'STACK=%s\\nSOURCE_VERSION=%s\\nuid=%s\\nbuildpack=%s\\nenv=%s\\n' \\
  "$STACK" "$SOURCE_VERSION" "$(id -u)" "$(cat "$bp/version")" "$(ls "$env_dir")" > "$app/build-info"
echo "       done"
`,
    'bin/release': `#!/bin/sh
echo "---"
echo "default_process_types:"
echo "  web: bin/greet"
`,
  };
  const repo = GitRepo.create(path);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(path, name)), { recursive: true });
    writeFileSync(join(path, name), content);
    // git records the executable bit, and the buildpack API runs bin/* directly.
    if (name.startsWith('bin/')) chmodSync(join(path, name), 0o755);
  }
  repo.commit({}, 'test buildpack');
  return repo;
}
