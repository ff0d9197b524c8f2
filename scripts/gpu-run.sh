#!/usr/bin/env bash
# Runs the `gpu` benchmark from .gpu-carry/ (built by scripts/gpu-carry.sh):
# PyTorch's figures first (bench/reference/gpu_torch.py), then Trellis's with
# them beside it. Writes into $OUT (default test-output/gpu): diagnostics.txt
# (glibc, driver, Vulkan ICD, what Dawn sees), torch.jsonl, gpu.jsonl and
# their stderr. The carried folder is only read: node and the gzipped
# binaries are unpacked into a temporary folder, so a checked folder stays
# small enough to carry. Works on a CPU machine too (the tfjs engine then
# runs on wasm and PyTorch on the CPU), which is how it is checked before a
# GPU run.
#   bash scripts/gpu-run.sh [--quick | --smoke] [--skip-large]
#   env: GPU_CARRY (default .gpu-carry), PYTHON (default python3 with torch, else .venv/bin/python),
#        NODE_TIMEOUT_S, TORCH_TIMEOUT_S
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
carry=$(realpath -m "${GPU_CARRY:-$root/.gpu-carry}")
out="${OUT:-$root/test-output/gpu}"
mkdir -p "$out"
if [ ! -f "$carry/app/gpu.js" ]; then echo "gpu-run: $carry/app/gpu.js is missing: run scripts/gpu-carry.sh first" >&2; exit 2; fi
if [ ! -f "$carry/node.gz" ] && ! command -v node >/dev/null; then echo "gpu-run: no node here and none carried (built with --no-node?)" >&2; exit 2; fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$carry/app" "$work/app"
for f in "$work/app/node_modules/webgpu/dist/linux-x64/dawn.node" "$work/app/node_modules/parquet-wasm/node/parquet_wasm_bg.wasm"; do
  [ -f "$f" ] || gunzip "$f.gz"
done
# node: the carried one where it was carried, else this machine's
if [ -f "$carry/node.gz" ]; then
  gunzip -c "$carry/node.gz" > "$work/node" && chmod +x "$work/node"
  node_bin="$work/node"
else
  node_bin=$(command -v node)
fi

# Vulkan: the carried loader; NVIDIA's ICD where the container runtime put it
# (checked in this order), else one written here for the driver's library
vk_libs="$carry/vulkan/usr/lib/x86_64-linux-gnu"
export LD_LIBRARY_PATH="$vk_libs:/usr/local/nvidia/lib64:/usr/local/nvidia/lib:${LD_LIBRARY_PATH:-}"
icd=""
dirs="/usr/local/nvidia/share/vulkan/icd.d /usr/share/vulkan/icd.d /etc/vulkan/icd.d"
for dir in $dirs; do
  for f in "$dir"/nvidia*.json; do if [ -f "$f" ]; then icd=$f; break 2; fi; done
done
if [ -z "$icd" ] && [ -f /usr/local/nvidia/lib64/libGLX_nvidia.so.0 ]; then
  icd="$work/nvidia_icd.json"
  printf '{ "file_format_version": "1.0.0", "ICD": { "library_path": "/usr/local/nvidia/lib64/libGLX_nvidia.so.0", "api_version": "1.3.0" } }\n' > "$icd"
fi
if [ -z "$icd" ]; then
  for dir in $dirs; do
    for f in "$dir"/*.json; do if [ -f "$f" ]; then icd=$f; break 2; fi; done
  done
fi
if [ -n "$icd" ]; then export VK_ICD_FILENAMES="$icd" VK_DRIVER_FILES="$icd"; fi
export TRELLIS_BUNDLED=1 TRELLIS_TFJS_WASM_DIR="$work/app/tfjs-wasm/"

{
  echo "date: $(date -u +%FT%TZ)"
  echo "glibc: $(ldd --version 2>&1 | head -1)"
  echo "node: $node_bin $("$node_bin" --version)"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 || echo "nvidia-smi: not available"
  echo "ICD: ${icd:-none found}"; [ -n "$icd" ] && cat "$icd"
  echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
  ls /usr/local/nvidia/lib64 2>/dev/null | grep -i -E "glx|vulkan|egl" | head -20
  timeout 60 "$node_bin" --input-type=module -e "
    const { create } = await import('file://$work/app/node_modules/webgpu/index.js');
    const gpu = create([]);
    const a = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    console.log('dawn adapter:', a ? JSON.stringify({ vendor: a.info.vendor, architecture: a.info.architecture, device: a.info.device, description: a.info.description, fallback: a.info.isFallbackAdapter }) : 'none');
    process.exit(0);
  " 2>&1 | tail -5
} > "$out/diagnostics.txt" 2>&1
cat "$out/diagnostics.txt"

python=${PYTHON:-}
if [ -z "$python" ]; then
  if python3 -c "import torch" 2>/dev/null; then python=python3; elif [ -x "$root/.venv/bin/python" ]; then python="$root/.venv/bin/python"; else python=python3; fi
fi
echo "gpu-run: PyTorch reference ($python)"
timeout "${TORCH_TIMEOUT_S:-240}" "$python" "$root/bench/reference/gpu_torch.py" "$@" > "$out/torch.jsonl" 2> "$out/torch.err"
echo "gpu-run: torch exit $? ($(grep -c '^{' "$out/torch.jsonl") lines)"
echo "gpu-run: Trellis"
timeout "${NODE_TIMEOUT_S:-300}" "$node_bin" "$work/app/gpu.js" --torch "$out/torch.jsonl" "$@" > "$out/gpu.jsonl" 2> "$out/gpu.err"
status=$?
echo "gpu-run: trellis exit $status"
grep '^{' "$out/gpu.jsonl" | grep -v '"bench":"gpu","what"' || true
tail -5 "$out/gpu.err" | cut -c1-400
exit $status
