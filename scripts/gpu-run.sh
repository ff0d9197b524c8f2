#!/usr/bin/env bash
# Runs the `gpu` benchmark from .gpu-carry/ (built by scripts/gpu-carry.sh):
# PyTorch's figures first (bench/reference/gpu_torch.py), then Trellis's with
# them beside it. Writes into $OUT (default test-output/gpu): diagnostics.txt
# (driver, Vulkan ICD, what Dawn sees), torch.jsonl, gpu.jsonl and their
# stderr. Works on a CPU machine too (the tfjs engine then runs on wasm and
# PyTorch on the CPU), which is how it is checked before a GPU run.
#   bash scripts/gpu-run.sh [--quick] [--skip-large]
#   env: GPU_CARRY (default .gpu-carry), PYTHON (default python3 with torch, else .venv/bin/python),
#        NODE_TIMEOUT_S, TORCH_TIMEOUT_S
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
carry="${GPU_CARRY:-$root/.gpu-carry}"
out="${OUT:-$root/test-output/gpu}"
mkdir -p "$out"
if [ ! -f "$carry/app/gpu.js" ]; then echo "gpu-run: $carry/app/gpu.js is missing: run scripts/gpu-carry.sh first" >&2; exit 2; fi
if [ ! -f "$carry/node.gz" ] && ! command -v node >/dev/null; then echo "gpu-run: no node here and none carried (built with --no-node?)" >&2; exit 2; fi

# node: the carried one where it was carried, else this machine's
node_bin=$(command -v node || true)
if [ -f "$carry/node.gz" ]; then
  mkdir -p "$carry/bin"
  [ -x "$carry/bin/node" ] || { gunzip -c "$carry/node.gz" > "$carry/bin/node" && chmod +x "$carry/bin/node"; }
  node_bin="$carry/bin/node"
fi
dawn="$carry/app/node_modules/webgpu/dist/linux-x64/dawn.node"
for f in "$dawn" "$carry/app/node_modules/parquet-wasm/node/parquet_wasm_bg.wasm"; do [ -f "$f" ] || gunzip -k "$f.gz"; done

# Vulkan: the carried loader, NVIDIA's ICD where the container runtime put it
vk_libs="$carry/vulkan/usr/lib/x86_64-linux-gnu"
export LD_LIBRARY_PATH="$vk_libs:/usr/local/nvidia/lib64:/usr/local/nvidia/lib:${LD_LIBRARY_PATH:-}"
icd=$(ls /usr/local/nvidia/share/vulkan/icd.d/*.json /usr/share/vulkan/icd.d/nvidia*.json /etc/vulkan/icd.d/nvidia*.json 2>/dev/null | head -1 || true)
if [ -n "$icd" ]; then export VK_ICD_FILENAMES="$icd" VK_DRIVER_FILES="$icd"; fi
export TRELLIS_BUNDLED=1 TRELLIS_TFJS_WASM_DIR="$carry/app/tfjs-wasm/"

{
  echo "date: $(date -u +%FT%TZ)"
  echo "node: $node_bin $("$node_bin" --version)"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 || echo "nvidia-smi: not available"
  echo "ICD: ${icd:-none found}"; [ -n "$icd" ] && cat "$icd"
  echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
  ls /usr/local/nvidia/lib64 2>/dev/null | grep -i -E "glx|vulkan|egl" | head -20
  "$node_bin" --input-type=module -e "
    const { create, globals } = await import('$carry/app/node_modules/webgpu/index.js');
    const gpu = create([]);
    const a = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    console.log('dawn adapter:', a ? JSON.stringify({ vendor: a.info.vendor, architecture: a.info.architecture, device: a.info.device, description: a.info.description, fallback: a.info.isFallbackAdapter }) : 'none');
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
timeout "${NODE_TIMEOUT_S:-300}" "$node_bin" "$carry/app/gpu.js" --torch "$out/torch.jsonl" "$@" > "$out/gpu.jsonl" 2> "$out/gpu.err"
status=$?
echo "gpu-run: trellis exit $status"
grep '^{' "$out/gpu.jsonl" | grep -v '"bench":"gpu","what"' || true
tail -5 "$out/gpu.err" | cut -c1-400
exit $status
