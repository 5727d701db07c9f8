#!/usr/bin/env bash
# Start-up before and after, measured in the same run: interleaved rounds of `node -e 0` and,
# for each of two builds of the CLI, `--version` and a no-op build of a spec whose images
# exist (e.g. the example pinned by commit, see bench/README.md), with and without the V8
# code cache. Prints medians of CPU (user + system, from bash's `time`: the kernel's account
# of the child) and wall time.
#
#   bash bench/compare-startup.sh <before checkout> <after checkout> <spec> <base dir> [rounds]
#
# Each checkout must be built (npm run build). A build before the code cache ignores
# TASKCLUSTER_INSTALLER_CODE_CACHE.
set -euo pipefail
before=$1 after=$2 spec=$3 base=$4 rounds=${5:-21}
release=$(mktemp)
trap 'rm -f "$release"' EXIT
TIMEFORMAT='%3R %3U %3S'
declare -A cpu wall
names=()
measure() {
  local name=$1 out e u s
  shift
  [[ " ${names[*]} " == *" $name "* ]] || names+=("$name")
  out=$({ time "$@" >/dev/null 2>&1; } 2>&1)
  read -r e u s <<<"$out"
  cpu[$name]+="$(awk "BEGIN{print ($u+$s)*1000}") "
  wall[$name]+="$(awk "BEGIN{print $e*1000}") "
}
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
noop=(build --base-dir "$base" --log-format json "$spec" "$release")
for ((r = 0; r <= rounds; r++)); do
  measure node-e-0 node -e 0
  for which in before after; do
    bin=${!which}/bin/taskcluster-installer.js
    measure "version-$which" node "$bin" --version
    measure "noop-$which" node "$bin" "${noop[@]}"
    measure "noop-$which-nocache" env TASKCLUSTER_INSTALLER_CODE_CACHE=off node "$bin" "${noop[@]}"
  done
  # Round 0 is the warm-up (it also writes the code caches): forget it.
  if ((r == 0)); then for n in "${names[@]}"; do cpu[$n]=''; wall[$n]=''; done; fi
done
for n in "${names[@]}"; do
  printf '%-22s CPU %5s ms  wall %5s ms\n' "$n" "$(echo "${cpu[$n]}" | median)" "$(echo "${wall[$n]}" | median)"
done
