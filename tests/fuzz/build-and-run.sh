#!/usr/bin/env bash
# Builds a libFuzzer target (tests/fuzz/CMakeLists.txt) in a clang build with
# AddressSanitizer, UBSan and coverage (-DSHOAL_FUZZ=ON), and runs it for a
# bounded time on a seed corpus made from tests/fuzz/seeds.
#
# Usage: tests/fuzz/build-and-run.sh [TARGET] [SECONDS] [-- extra libFuzzer flags]
#   TARGET   decode_fuzz (default), vm_fuzz, abi_fuzz, rpc_fuzz, image_fuzz,
#            page_stream_fuzz or dashboard_request_fuzz: a tests/fuzz/TARGET.cc
#            file.
#   SECONDS  how long to fuzz (default 30); 0 only builds.
# Environment: FUZZ_OUT (default build-fuzz/ at the repository root) is the
# build directory, configured here if it is not yet, and holds the corpus and
# crash files (deploy/run-checks shares its sanitizer build); SHOAL_SPEC_DIR
# (default ../shared/wasm-testsuite beside the repository, as in CMake) adds
# the spec tests' modules to the seeds when it exists and wast2json is
# installed. A target that does not build is an error.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
target="${1:-decode_fuzz}"
seconds="${2:-30}"
shift $(( $# < 2 ? $# : 2 ))
[ "${1:-}" = "--" ] && shift
extra_flags=("$@")

out="${FUZZ_OUT:-$root/build-fuzz}"
[ -f "$root/tests/fuzz/$target.cc" ] || { echo "no fuzz target tests/fuzz/$target.cc" >&2; exit 2; }
command -v clang++ >/dev/null || { echo "clang++ not found: fuzzing needs clang (deploy/install-deps)" >&2; exit 2; }

if [ ! -f "$out/build.ninja" ]; then
  cmake -S "$root" -B "$out" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DSHOAL_SANITIZE=ON -DSHOAL_FUZZ=ON >/dev/null
fi
ninja -C "$out" "$target"
binary="$out/bin/$target"
corpus="$out/fuzz/corpus-$target"
mkdir -p "$corpus" "$out/fuzz/crashes-$target"
# The targets whose input is a Wasm module get the Wasm dictionary and the
# spec tests' modules as seeds.
wasm_input=false
case "$target" in decode_fuzz | vm_fuzz) wasm_input=true ;; esac
dict=""
$wasm_input && dict="$root/tests/fuzz/wasm.dict"

# Seeds: the .wat files, assembled now so the repository holds no binaries.
if [ "$target" = rpc_fuzz ]; then
  # Real sessions of proxies talking to the fuzzed server, recorded by the
  # binary itself (see rpc_fuzz.cc).
  SHOAL_RPC_FUZZ_RECORD="$corpus" "$binary" >/dev/null 2>&1 ||
    echo "rpc_fuzz: recording the seed sessions failed; fuzzing from the corpus as is"
elif [ "$target" = image_fuzz ]; then
  # Sample images, written by the binary itself (see image_fuzz.cc).
  SHOAL_IMAGE_FUZZ_RECORD="$corpus" "$binary" >/dev/null 2>&1 ||
    echo "image_fuzz: writing the seed images failed; fuzzing from the corpus as is"
elif [ "$target" = page_stream_fuzz ]; then
  # Well-formed page streams, written by the binary itself (see page_stream_fuzz.cc).
  SHOAL_PAGE_FUZZ_RECORD="$corpus" "$binary" >/dev/null 2>&1 ||
    echo "page_stream_fuzz: writing the seed streams failed; fuzzing from the corpus as is"
elif [ "$target" = dashboard_request_fuzz ]; then
  # Requests a browser and the dashboard send, and a few that try to climb out.
  printf '%s' '/app.js?v=1' >"$corpus/seed_target"
  printf '%s' '/../../etc/passwd' >"$corpus/seed_climb"
  printf '%s' 'theme=dark; shoal_token="abc123"' >"$corpus/seed_cookie"
  printf '%s' 'Bearer abc123' >"$corpus/seed_bearer"
  printf '%s' '{"token": "abc123"}' >"$corpus/seed_login"
  printf '%s' '/api/shoal.admin.v1.Admin/ListNodes' >"$corpus/seed_api"
elif command -v wat2wasm >/dev/null; then
  for wat in "$root"/tests/fuzz/seeds/*.wat; do
    wat2wasm "$wat" -o "$corpus/seed_$(basename "$wat" .wat).wasm"
  done
else
  echo "wat2wasm not found: fuzzing without the .wat seeds"
fi
spec_dir="${SHOAL_SPEC_DIR:-$root/../shared/wasm-testsuite}"
if $wasm_input && [ -d "$spec_dir" ] && command -v wast2json >/dev/null && [ ! -f "$out/fuzz/spec-seeds-$target.done" ]; then
  echo "adding the spec tests' modules from $spec_dir to the seeds"
  if [ ! -d "$out/fuzz/spec-json" ]; then
    mkdir -p "$out/fuzz/spec-json"
    for wast in "$spec_dir"/*.wast; do
      wast2json "$wast" -o "$out/fuzz/spec-json/$(basename "$wast" .wast).json" 2>/dev/null || true
    done
  fi
  for wasm in "$out"/fuzz/spec-json/*.wasm; do
    [ -f "$wasm" ] && cp "$wasm" "$corpus/spec_$(basename "$wasm")"
  done
  touch "$out/fuzz/spec-seeds-$target.done"
fi

[ "$seconds" -gt 0 ] || exit 0
echo "fuzzing $target for ${seconds}s"
cd "$out/fuzz/crashes-$target"
ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" "$binary" \
  -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 ${dict:+-dict="$dict"} "${extra_flags[@]}" \
  "$corpus"
