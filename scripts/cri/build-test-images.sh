#!/usr/bin/env bash
# Builds the test images offline, as OCI image layout tars with gzipped layers that also carry a docker manifest.json,
# so `ctr images import` and `docker load` both take them:
#   OUTDIR/pause.tar    capstan.io/pause:3.10  (a static C pause: holds the sandbox's namespaces, reaps children)
#   OUTDIR/busybox.tar  capstan.io/busybox:1   (/bin/busybox with its applet links, /etc/passwd with root and nobody)
# Usage: scripts/cri/build-test-images.sh OUTDIR [SOCKET]
#   With SOCKET, also imports both into that containerd's k8s.io namespace (the CRI plugin's).
#   PAUSE_IMAGE / BUSYBOX_IMAGE override the names; PAUSE_FROM_BUSYBOX=1 builds the pause image from busybox sh
#   (what happens anyway without a C compiler).
set -euo pipefail

out=${1:?usage: build-test-images.sh OUTDIR [SOCKET]}
socket=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
pause_name=${PAUSE_IMAGE:-capstan.io/pause:3.10}
busybox_name=${BUSYBOX_IMAGE:-capstan.io/busybox:1}
busybox_bin=${BUSYBOX_BIN:-/bin/busybox}

mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }
json_array() { # prints its arguments as a JSON array of strings (no escaping needed for our fixed values)
  local first=1
  printf '['
  for item in "$@"; do
    [[ $first == 1 ]] || printf ','
    first=0
    printf '"%s"' "$item"
  done
  printf ']'
}

# build_image NAME ROOTFS OUTFILE ENTRYPOINT_JSON CMD_JSON
build_image() {
  local name=$1 rootfs=$2 file=$3 entrypoint=$4 cmd=$5
  local layout=$work/layout-$(basename "$file" .tar)
  rm -rf "$layout"
  mkdir -p "$layout/blobs/sha256"

  # A reproducible layer: fixed order, owners and times, so rebuilding gives the same image id.
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$rootfs" -cf "$work/layer.tar" .
  local diff_id; diff_id=$(sha "$work/layer.tar")
  gzip -n -c "$work/layer.tar" >"$work/layer.tar.gz"
  local layer_digest; layer_digest=$(sha "$work/layer.tar.gz")
  local layer_size; layer_size=$(size "$work/layer.tar.gz")
  mv "$work/layer.tar.gz" "$layout/blobs/sha256/$layer_digest"

  printf '{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Entrypoint":%s,"Cmd":%s,"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created":"1970-01-01T00:00:00Z","created_by":"scripts/cri/build-test-images.sh"}]}' \
    "$entrypoint" "$cmd" "$diff_id" >"$work/config.json"
  local config_digest; config_digest=$(sha "$work/config.json")
  local config_size; config_size=$(size "$work/config.json")
  mv "$work/config.json" "$layout/blobs/sha256/$config_digest"

  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
    "$config_digest" "$config_size" "$layer_digest" "$layer_size" >"$work/manifest.json"
  local manifest_digest; manifest_digest=$(sha "$work/manifest.json")
  local manifest_size; manifest_size=$(size "$work/manifest.json")
  mv "$work/manifest.json" "$layout/blobs/sha256/$manifest_digest"

  local tag=${name##*:}
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"},"platform":{"architecture":"amd64","os":"linux"}}]}' \
    "$manifest_digest" "$manifest_size" "$name" "$tag" >"$layout/index.json"
  printf '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"
  # docker load reads manifest.json; the gzipped layer blob is accepted as is.
  printf '[{"Config":"blobs/sha256/%s","RepoTags":["%s"],"Layers":["blobs/sha256/%s"]}]' \
    "$config_digest" "$name" "$layer_digest" >"$layout/manifest.json"

  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$layout" -cf "$file" .
  echo "$name sha256:$config_digest $file"
}

# The pause image: the static C pause, or without a C compiler a busybox shell doing the same job (exits on TERM/INT,
# and as PID 1 its wait reaps what it inherits).
pause_root=$work/pause-root
mkdir -p "$pause_root"
cc=$(command -v gcc || command -v cc || true)
[[ -z "${PAUSE_FROM_BUSYBOX:-}" ]] || cc=""
if [[ -n "$cc" ]] && "$cc" -static -Os -s -o "$pause_root/pause" "$here/pause.c" 2>"$work/cc.log"; then
  build_image "$pause_name" "$pause_root" "$out/pause.tar" "$(json_array /pause)" "null"
else
  echo "no working static C compiler (apt-get install gcc libc6-dev): pause image falls back to busybox sh" >&2
  [[ -x "$busybox_bin" ]] || { echo "$busybox_bin is missing (apt-get install busybox-static)" >&2; exit 1; }
  mkdir -p "$pause_root/bin"
  cp "$busybox_bin" "$pause_root/bin/busybox"
  ln -s busybox "$pause_root/bin/sh"
  ln -s busybox "$pause_root/bin/sleep"
  build_image "$pause_name" "$pause_root" "$out/pause.tar" \
    "$(json_array /bin/sh -c "trap 'exit 0' TERM INT; while :; do sleep 86400 & wait; done")" "null"
fi

# The busybox image.
[[ -x "$busybox_bin" ]] || { echo "$busybox_bin is missing (apt-get install busybox-static)" >&2; exit 1; }
bb_root=$work/busybox-root
mkdir -p "$bb_root"/{bin,etc,tmp,root,home,var/www,proc,sys,dev}
chmod 1777 "$bb_root/tmp"
cp "$busybox_bin" "$bb_root/bin/busybox"
for applet in $("$busybox_bin" --list); do
  [[ "$applet" == busybox ]] || ln -sf busybox "$bb_root/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$bb_root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$bb_root/etc/group"
build_image "$busybox_name" "$bb_root" "$out/busybox.tar" "null" "$(json_array sh)"

if [[ -n "$socket" ]]; then
  for image in pause busybox; do
    ctr -a "$socket" -n k8s.io images import "$out/$image.tar" >/dev/null
  done
  echo "imported into $socket (namespace k8s.io)"
fi
