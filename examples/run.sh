#!/usr/bin/env bash
# The README's "main job": set up (idempotently), then build the bundled example against the
# local Docker daemon and render its deployment into examples/.work/deploy.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
work="$here/.work"

bash "$root/.ci/setup-services.sh"
if [ ! -f "$root/dist/bundle/main.js" ] || [ ! -d "$root/node_modules" ]; then
  (cd "$root" && npm ci --no-audit --no-fund)
fi

# The services' Dockerfiles start FROM example/busybox:1, made offline from the host's busybox:
# a root file system of busybox and its applet links, imported as an image (`docker build`
# would need the docker CLI's legacy builder here, which prints a deprecation notice).
if ! docker image inspect example/busybox:1 >/dev/null 2>&1; then
  rootfs=$(mktemp -d)
  mkdir -p "$rootfs/bin" "$rootfs/tmp"
  cp /bin/busybox "$rootfs/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -s busybox "$rootfs/bin/$applet"
  done
  tar -C "$rootfs" -c . | docker import -c 'CMD ["sh"]' - example/busybox:1 >/dev/null
  rm -rf "$rootfs"
fi

# One git repository per folder of examples/services; changes there become new commits.
git_() { git -C "$1" -c user.name=example -c user.email=example@example.invalid "${@:2}"; }
for name in hello-web greeter ops-notes; do
  repo="$work/repos/$name"
  if [ ! -d "$repo/.git" ]; then
    mkdir -p "$repo"
    git_ "$repo" init -q -b main
  fi
  rsync -a --delete --exclude .git "$here/services/$name/" "$repo/" 2>/dev/null ||
    { find "$repo" -mindepth 1 -maxdepth 1 ! -name .git -exec rm -rf {} +; cp -a "$here/services/$name/." "$repo/"; }
  git_ "$repo" add -A
  git_ "$repo" diff --cached --quiet || git_ "$repo" commit -q -m "sync from examples/services/$name"
done
# greeter is pinned by an annotated tag: keep it on the newest commit.
git_ "$work/repos/greeter" tag -f -a v1.0.0 -m "greeter 1.0.0" >/dev/null

cli="$root/taskcluster-installer"
"$cli" build --base-dir "$work/base-dir" "$here/spec" "$work/release.json"
"$cli" deploy --deploy-config "$here/deploy-config.yml" --infra-info "$here/infra.json" \
  "$work/release.json" "$work/deploy"

echo
echo "release: $work/release.json"
echo "resources: $work/deploy"
ls -1 "$work/deploy"
