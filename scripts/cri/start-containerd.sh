#!/usr/bin/env bash
# Starts a private containerd (CRI plugin on) whose root, state, socket, log and CNI conf dir all live under DIR, so several
# can run side by side without touching the host's /var/lib/containerd. Prints the daemon's pid on stdout once the socket answers.
# Usage: scripts/cri/start-containerd.sh DIR [SOCKET]
#   SOCKET defaults to DIR/containerd.sock. The CNI conf dir is DIR/cni/net.d (the caller writes the conf);
#   CNI plugins come from /usr/lib/cni (CNI_BIN_DIR overrides). SANDBOX_IMAGE overrides capstan.io/pause:3.10.
#   STREAM_PORT fixes the streaming server's loopback port (default: the one DIR used before if free, else a free one);
#   it must be known up front because containerd builds exec/attach URLs from the configured address.
# Stop it with: kill PID (containers keep running in their shims, as with the system containerd).
set -euo pipefail

dir=${1:?usage: start-containerd.sh DIR [SOCKET]}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
socket=${2:-$dir/containerd.sock}
cni_bin=${CNI_BIN_DIR:-/usr/lib/cni}
sandbox_image=${SANDBOX_IMAGE:-capstan.io/pause:3.10}

command -v containerd >/dev/null || { echo "containerd is not installed" >&2; exit 1; }

port_in_use() {
  if command -v ss >/dev/null; then
    [[ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]]
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
  fi
}

stream_port=${STREAM_PORT:-}
# A restart over the same DIR keeps the port: exec/attach URLs of running clients and the config stay valid.
if [[ -z "$stream_port" && -s "$dir/stream-port" ]]; then
  stream_port=$(cat "$dir/stream-port")
  port_in_use "$stream_port" && stream_port=""
fi
if [[ -z "$stream_port" ]]; then
  for _ in $(seq 1 50); do
    candidate=$((20000 + RANDOM % 20000))
    if ! port_in_use "$candidate"; then stream_port=$candidate; break; fi
  done
  [[ -n "$stream_port" ]] || { echo "no free port for the streaming server" >&2; exit 1; }
fi

mkdir -p "$dir/root" "$dir/state" "$dir/cni/net.d" "$dir/opt" "$(dirname "$socket")"

cat >"$dir/config.toml" <<TOML
version = 2
root = "$dir/root"
state = "$dir/state"
# Snapshotters and services the CRI plugin does not need on these machines.
disabled_plugins = [
  "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.zfs",
  "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing",
]

[grpc]
  address = "$socket"

[ttrpc]
  address = "$socket.ttrpc"

[debug]
  address = ""
  level = "info"

[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "$dir/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$sandbox_image"
  # Without CAP_SYS_RESOURCE runc cannot lower oom_score_adj below the daemon's own; RunPodSandbox then fails.
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "$stream_port"
  enable_selinux = false
  max_container_log_line_size = 16384

  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"

    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"

      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false

  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$cni_bin"
    conf_dir = "$dir/cni/net.d"
    max_conf_num = 1
TOML

rm -f "$socket"
nohup containerd --config "$dir/config.toml" >"$dir/containerd.log" 2>&1 </dev/null &
pid=$!
echo "$pid" >"$dir/containerd.pid"
echo "$stream_port" >"$dir/stream-port"

for _ in $(seq 1 300); do
  if [[ -S "$socket" ]] && ctr -a "$socket" version >/dev/null 2>&1; then
    echo "$pid"
    exit 0
  fi
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "containerd exited; see $dir/containerd.log:" >&2
    tail -20 "$dir/containerd.log" >&2
    exit 1
  fi
  sleep 0.1
done
echo "containerd did not open $socket within 30 s; see $dir/containerd.log" >&2
kill "$pid" 2>/dev/null || true
exit 1
