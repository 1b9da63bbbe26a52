#!/usr/bin/env bash
# A container engine for one machine and for CI: Debian's podman serving the Docker Engine API on a
# unix socket, with the base images built from this machine's own files (no registry is reachable).
#
#   scripts/podman.sh up     install (apt) if missing, configure, start the service, build images;
#                            prints `export DOCKER_HOST=...` on its last line
#   scripts/podman.sh down   remove every container and the service this script started
#
# Facts and quirks: runc (crun refuses this kernel's hybrid cgroups), cgroupfs, default ulimits the
# sandbox allows, a FORWARD DROP so no container reaches off the machine.
set -euo pipefail
DIR="${SESSIONPLANE_PODMAN_DIR:-/tmp/sessionplane-podman}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SOCK="$DIR/podman.sock"
export CONTAINERS_CONF="$DIR/containers.conf" CONTAINERS_STORAGE_CONF="$DIR/storage.conf"

up() {
  if ! command -v podman >/dev/null 2>&1 || ! command -v runc >/dev/null 2>&1 || ! command -v busybox >/dev/null 2>&1 || [ ! -x /usr/libexec/podman/catatonit ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      podman runc netavark aardvark-dns iptables busybox-static catatonit >&2
  fi
  mkdir -p "$DIR/storage" "$DIR/run"
  cat >"$CONTAINERS_CONF" <<EOF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$DIR/events.log"
EOF
  cat >"$CONTAINERS_STORAGE_CONF" <<EOF
[storage]
driver = "overlay"
graphroot = "$DIR/storage"
runroot = "$DIR/run"
EOF
  if ! curl -fsS --unix-socket "$SOCK" http://d/_ping >/dev/null 2>&1; then
    rm -f "$SOCK"
    # From its own folder: conmon writes an `oom` file into its working directory when a container
    # is killed for memory, and that must not land in the checkout (#34).
    (cd "$DIR" && exec nohup podman system service --time=0 "unix://$SOCK") >"$DIR/service.log" 2>&1 &
    echo $! >"$DIR/service.pid"
    for _ in $(seq 1 100); do
      curl -fsS --unix-socket "$SOCK" http://d/_ping >/dev/null 2>&1 && break
      sleep 0.1
    done
    curl -fsS --unix-socket "$SOCK" http://d/_ping >/dev/null || { cat "$DIR/service.log" >&2; exit 1; }
  fi
  # No container sends traffic off the machine; tests talk to 127.0.0.1 only.
  if command -v iptables >/dev/null 2>&1 && ! iptables -C FORWARD -i podman0 ! -o podman0 -j DROP 2>/dev/null; then
    iptables -I FORWARD 1 -i podman0 ! -o podman0 -j DROP 2>/dev/null || echo "podman.sh: could not add the FORWARD DROP rule" >&2
  fi
  base_images
  test_images
  echo "export DOCKER_HOST=unix://$SOCK"
}

# local/busybox:1 (busybox and its applets) and local/node:1 (this machine's node and its libraries).
base_images() {
  if ! podman image exists localhost/busybox:1; then
    local rootfs
    rootfs="$(mktemp -d)"
    mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/etc"
    cp "$(command -v busybox)" "$rootfs/bin/busybox"
    for applet in $("$rootfs/bin/busybox" --list); do [ "$applet" = busybox ] || ln -sf busybox "$rootfs/bin/$applet"; done
    echo 'root:x:0:0:root:/root:/bin/sh' >"$rootfs/etc/passwd"
    tar -C "$rootfs" -c . | podman import -q --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' - localhost/busybox:1 >/dev/null
    rm -rf "$rootfs"
  fi
  if ! podman image exists localhost/node:1; then
    local rootfs lib
    rootfs="$(mktemp -d)"
    mkdir -p "$rootfs/usr/bin" "$rootfs/tmp" "$rootfs/etc" "$rootfs/bin"
    cp "$(command -v node)" "$rootfs/usr/bin/node"
    cp "$(command -v busybox)" "$rootfs/bin/busybox"
    for applet in sh cat sleep kill ls; do ln -sf busybox "$rootfs/bin/$applet"; done
    for lib in $(ldd "$(command -v node)" | grep -o '/[^ ]*'); do
      mkdir -p "$rootfs$(dirname "$lib")"
      cp -L "$lib" "$rootfs$lib"
    done
    printf 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000:node:/home/node:/bin/sh\n' >"$rootfs/etc/passwd"
    chmod 1777 "$rootfs/tmp"
    tar -C "$rootfs" -c . | podman import -q --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' - localhost/node:1 >/dev/null
    rm -rf "$rootfs"
  fi
}

# The images the tests launch: the demo apps on local/node:1, with their node_modules from this
# checkout (the demo Containerfile's `npm install` needs a registry a container cannot reach here).
test_images() {
  local context
  context="$(mktemp -d)"
  cp "$ROOT"/examples/apps/*.mjs "$ROOT/test/support/fixtures/fixture-app.mjs" "$context/"
  mkdir -p "$context/node_modules"
  for pkg in ws @msgpack/msgpack; do
    mkdir -p "$context/node_modules/$(dirname "$pkg")"
    cp -r "$ROOT/node_modules/$pkg" "$context/node_modules/$pkg"
  done
  cp "$ROOT/test/support/images/Containerfile" "$context/Containerfile"
  podman build -q --network none -t localhost/sessionplane-demo:test "$context" >/dev/null
  rm -rf "$context"
}

down() {
  iptables -D FORWARD -i podman0 ! -o podman0 -j DROP 2>/dev/null || true
  if [ -S "$SOCK" ] || [ -f "$DIR/service.pid" ]; then
    # Every container this engine holds was made by this project's runs.
    podman ps -aq 2>/dev/null | xargs -r podman rm -f -t 0 >/dev/null 2>&1 || true
    if [ -f "$DIR/service.pid" ]; then
      kill "$(cat "$DIR/service.pid")" 2>/dev/null || true
      rm -f "$DIR/service.pid"
    fi
    rm -f "$SOCK"
  fi
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 64 ;;
esac
