#!/usr/bin/env bash
# Builds .gpu-carry/ (git-ignored): everything bench/gpu.ts needs on a GPU
# machine that has no Node.js and reaches no registry, in well under the
# 64 MiB a device run may carry:
#   app/       the benchmark as one esbuild bundle (ESM, code split so tfjs is
#              loaded once by the program, the tfjs host's worker and its
#              operation modules), tfjs's .wasm binaries, and the `webgpu`
#              package with only its linux-x64 dawn.node (a native addon
#              cannot be bundled) and parquet-wasm's node build (it reads its
#              .wasm beside itself); the two binaries gzipped;
#   node.gz    this machine's node binary (it needs only glibc and libstdc++);
#   vulkan/    Debian's Vulkan loader and the GL/EGL libraries NVIDIA's ICD
#              links against, unpacked from .deb files with dpkg -x (apt
#              downloads them; they are not installed here).
# scripts/gpu-run.sh runs it. Needs `npm install` and `npx tsc` first.
#   bash scripts/gpu-carry.sh [--no-vulkan] [--no-node] [OUT_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
vulkan=1 node=1 out="$root/.gpu-carry"
for a in "$@"; do
  case "$a" in
    --no-vulkan) vulkan=0 ;;
    --no-node) node=0 ;;
    -*) echo "gpu-carry: unknown option $a" >&2; exit 2 ;;
    *) out=$(realpath -m "$a") ;;
  esac
done
# dawn.node below is linux-x64's, and apt downloads the build machine's architecture
if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then echo "gpu-carry: builds for Linux x86_64 only (this is $(uname -s)-$(uname -m))" >&2; exit 2; fi
# only a folder this script made (or none) is replaced
marker=".trellis-gpu-carry"
if [ -e "$out" ] && [ ! -f "$out/$marker" ] && [ -n "$(ls -A "$out" 2>/dev/null)" ]; then
  echo "gpu-carry: $out exists and was not made by this script; give an empty or new folder" >&2; exit 2
fi
cd "$root"
rm -rf "$out"
mkdir -p "$out/app/tfjs-wasm" "$out/app/node_modules/webgpu/dist"
touch "$out/$marker"

# 1. the bundle: entry points at the top of app/, shared chunks beside them,
# so the host's new URL("./worker.js", import.meta.url) and the ops modules'
# URLs resolve inside app/ whichever chunk holds the code that names them.
npx esbuild bench/gpu.ts native/tfjs-host/worker.ts lib/seq/policies/tfjs-transformer-ops.ts lib/nn/tfjs-network-ops.ts \
  --bundle --splitting --format=esm --platform=node --target=node20 --main-fields=module,main --minify-syntax --minify-whitespace \
  --outdir="$out/app" --entry-names='[name]' --chunk-names='chunk-[hash]' \
  --external:webgpu --external:parquet-wasm --external:@tensorflow/tfjs-node --external:@tensorflow/tfjs-node-gpu \
  --banner:js="import { createRequire as __trellisRequire } from 'node:module'; import { fileURLToPath as __trellisPath } from 'node:url'; import { dirname as __trellisDir } from 'node:path'; const require = __trellisRequire(import.meta.url); const __filename = __trellisPath(import.meta.url); const __dirname = __trellisDir(__filename);" \
  --log-level=warning
cp node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm "$out/app/tfjs-wasm/"
cp node_modules/webgpu/package.json node_modules/webgpu/index.js "$out/app/node_modules/webgpu/"
[ -f node_modules/webgpu/types.d.ts ] && cp node_modules/webgpu/types.d.ts "$out/app/node_modules/webgpu/"
mkdir -p "$out/app/node_modules/webgpu/dist/linux-x64"
cp node_modules/webgpu/dist/linux-x64/dawn.node "$out/app/node_modules/webgpu/dist/linux-x64/"
for f in node_modules/webgpu/dist/*.js node_modules/webgpu/dist/*.mjs node_modules/webgpu/dist/*.cjs; do [ -f "$f" ] && cp "$f" "$out/app/node_modules/webgpu/dist/"; done
gzip -9 "$out/app/node_modules/webgpu/dist/linux-x64/dawn.node"
# parquet-wasm's node build reads its .wasm beside itself at import: carried as a package too
mkdir -p "$out/app/node_modules/parquet-wasm"
cp -r node_modules/parquet-wasm/package.json node_modules/parquet-wasm/node "$out/app/node_modules/parquet-wasm/"
rm -f "$out/app/node_modules/parquet-wasm/node/"*.d.ts
gzip -9 "$out/app/node_modules/parquet-wasm/node/parquet_wasm_bg.wasm"

# 2. node
# the binary itself, not a version manager's shim
if [ "$node" = 1 ]; then gzip -9 -c "$(node -p process.execPath)" > "$out/node.gz"; fi

# 3. the Vulkan loader and the libraries NVIDIA's ICD (libGLX_nvidia) needs
if [ "$vulkan" = 1 ]; then
  debs="$out/debs"
  mkdir -p "$debs" "$out/vulkan"
  (cd "$debs" && apt-get download -q libvulkan1 libglvnd0 libglx0 libgl1 libegl1 libgles2 libopengl0 libx11-6 libx11-xcb1 libxext6 libxcb1 libxau6 libxdmcp6 libbsd0 libmd0 >/dev/null)
  for d in "$debs"/*.deb; do dpkg -x "$d" "$out/vulkan"; done
  rm -rf "$debs" "$out/vulkan/usr/share"
fi

echo "gpu-carry: $(du -sh "$out" | cut -f1) in $out ($(find "$out" -type f | wc -l) files)"
# a device run carries at most 64 MiB with the working tree (~5 MiB of tracked files)
size=$(du -sb "$out" | cut -f1)
if [ "$size" -gt $((58 * 1024 * 1024)) ]; then echo "gpu-carry: $size bytes is over the 58 MiB that leave room for the working tree under the 64 MiB carry limit" >&2; exit 1; fi
