#!/usr/bin/env bash
# Installs and starts what the tests need, idempotently: Docker Engine, the registry package,
# busybox-static (for offline base images), htpasswd (for registry auth tests) and zsh (for the
# shell completion test).
set -euo pipefail

need=()
command -v dockerd >/dev/null || need+=(docker.io)
command -v docker-registry >/dev/null || need+=(docker-registry)
[ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -qx wget || need+=(busybox-static)
command -v htpasswd >/dev/null || need+=(apache2-utils)
command -v zsh >/dev/null || need+=(zsh)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  echo "setup: starting dockerd"
  nohup dockerd >/var/log/dockerd.log 2>&1 &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  docker info >/dev/null 2>&1 || { echo "setup: dockerd did not start; see /var/log/dockerd.log" >&2; tail -20 /var/log/dockerd.log >&2; exit 1; }
fi
echo "setup: docker $(docker version --format '{{.Server.Version}}') ready"

# ssh:// engines are tested against a private sshd that the tests start on a loopback port;
# the package's own sshd (port 22) must not start, hence a policy-rc.d for the install.
if [ ! -x /usr/sbin/sshd ]; then
  echo "setup: installing openssh-server (not started)"
  no_start=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    no_start=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssh-server >/dev/null ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssh-server >/dev/null; }
  [ -z "$no_start" ] || rm -f /usr/sbin/policy-rc.d
fi

# A second Docker Engine, for the builds that spread over several engines. Everything of its own:
# data root, exec root (and so its own containerd), pid file, socket, and a bridge made here
# (tci-docker2, 172.31.250.1/24) with no iptables rules, so it touches nothing of the first
# daemon. Never `--bridge=none`: a daemon started that way deletes the host's docker0, the
# first daemon's bridge.
ENGINE2_SOCK=/var/run/tci-docker2.sock
if ! DOCKER_HOST=unix://$ENGINE2_SOCK docker info >/dev/null 2>&1; then
  echo "setup: starting the second dockerd on $ENGINE2_SOCK"
  if ! ip link show tci-docker2 >/dev/null 2>&1; then
    ip link add tci-docker2 type bridge
    ip addr add 172.31.250.1/24 dev tci-docker2
    ip link set tci-docker2 up
  fi
  mkdir -p /etc/tci-docker2
  [ -f /etc/tci-docker2/daemon.json ] || echo '{}' >/etc/tci-docker2/daemon.json
  nohup dockerd --config-file /etc/tci-docker2/daemon.json \
    --data-root /var/lib/tci-docker2 --exec-root /var/run/tci-docker2 \
    --pidfile /var/run/tci-docker2.pid -H unix://$ENGINE2_SOCK \
    --bridge=tci-docker2 --iptables=false --ip-masq=false --ip-forward=false \
    >/var/log/tci-docker2.log 2>&1 &
  for _ in $(seq 1 60); do
    DOCKER_HOST=unix://$ENGINE2_SOCK docker info >/dev/null 2>&1 && break
    sleep 1
  done
  DOCKER_HOST=unix://$ENGINE2_SOCK docker info >/dev/null 2>&1 || { echo "setup: the second dockerd did not start; see /var/log/tci-docker2.log" >&2; tail -20 /var/log/tci-docker2.log >&2; exit 1; }
fi
echo "setup: second docker engine ready on unix://$ENGINE2_SOCK"
