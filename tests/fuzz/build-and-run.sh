#!/usr/bin/env bash
# Builds a libFuzzer target with clang (-fsanitize=fuzzer,address,undefined)
# and runs it for a bounded time on a seed corpus made from tests/fuzz/seeds.
#
# Usage: tests/fuzz/build-and-run.sh [TARGET] [SECONDS] [-- extra libFuzzer flags]
#   TARGET   decode_fuzz (default), vm_fuzz, abi_fuzz, rpc_fuzz, image_fuzz or
#            dashboard_request_fuzz: a tests/fuzz/TARGET.cc file.
#   SECONDS  how long to fuzz (default 30); 0 only builds.
# Environment: SHOAL_SPEC_DIR (default ../shared/wasm-testsuite beside the
# repository, as in CMake) adds the spec tests' modules to the seeds when it
# exists and wast2json is installed; FUZZ_OUT (default build-fuzz/ at the repository root) holds
# objects, binaries, the corpus and crash files; FUZZ_JOBS (default 2) is the
# compile parallelism. A target that does not build or link is an error.
#
# The kernel sources are compiled here, not through CMake, because libFuzzer
# needs clang and coverage instrumentation while the main build may use gcc.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
target="${1:-decode_fuzz}"
seconds="${2:-30}"
shift $(( $# < 2 ? $# : 2 ))
[ "${1:-}" = "--" ] && shift
extra_flags=("$@")

out="${FUZZ_OUT:-$root/build-fuzz}"
jobs="${FUZZ_JOBS:-2}"
cxx="${CXX_FUZZ:-clang++}"
src="$root/tests/fuzz/$target.cc"
[ -f "$src" ] || { echo "no fuzz target $src" >&2; exit 2; }
command -v "$cxx" >/dev/null || { echo "$cxx not found: fuzzing needs clang" >&2; exit 2; }

flags=(-std=gnu++20 -O1 -g -fno-omit-frame-pointer -I"$root"
       -fsanitize=address,undefined -fno-sanitize-recover=undefined)
mkdir -p "$out/obj" "$out/corpus-$target" "$out/crashes-$target"

# What each target links: the VM targets take kernel/vm; rpc_fuzz takes
# kernel/remote and image_fuzz takes migrate/, both with the Cap'n Proto code
# generated from proto/, made here.
parts=(base vm)
extra_dirs=()
extra_files=()
libs=()
dict="$root/tests/fuzz/wasm.dict"
if [ "$target" = rpc_fuzz ] || [ "$target" = image_fuzz ]; then
  command -v capnp >/dev/null || { echo "capnp not found: $target needs capnproto" >&2; exit 2; }
  dict=""
  mkdir -p "$out/gen"
  capnp compile -oc++:"$out/gen" --src-prefix="$root" "$root"/proto/*.capnp
  flags+=(-I"$out/gen")
fi
if [ "$target" = rpc_fuzz ]; then
  # The object protocol's serving side (kernel/remote) over an in-process pipe.
  parts=(base object remote)
  libs=(-lcapnp-rpc -lcapnp -lkj-tls -lkj-async -lkj -lssl -lcrypto -lpthread)
  # kernel/remote's test certificates are minted by deploy/gen-certs (as CMake
  # tells shoal_remote).
  flags+=(-DSHOAL_GEN_CERTS="\"$root/deploy/gen-certs\"")
fi
if [ "$target" = image_fuzz ]; then
  # The process-image codec (migrate/) and the kernel types its images hold.
  parts=(base vm object)
  extra_dirs=(migrate)
  libs=(-lcapnp -lkj -lzstd -lcrypto -lpthread)
fi
if [ "$target" = dashboard_request_fuzz ]; then
  # The dashboard server's reading of requests: no kernel part at all.
  parts=()
  extra_files=(clusterd/daemon/dashboard_http.cc)
  dict=""
fi
if [ "$target" = abi_fuzz ]; then
  # The shoal host calls against a real kernel: every kernel part but the
  # wire (kernel/remote) comes in, and rdev/ for the camera calls.
  parts=(base vm object sched wasi proc abi)
  extra_dirs=(rdev)
  libs=(-luring -lpthread)
  dict=""
  # The parked process's module, assembled from its .wat and inlined as bytes.
  command -v wat2wasm >/dev/null || { echo "wat2wasm not found: abi_fuzz needs wabt" >&2; exit 2; }
  mkdir -p "$out/gen/tests/fuzz"
  flags+=(-I"$out/gen")
  wat2wasm "$root/kernel/proc/testdata/idle.wat" -o "$out/gen/idle.wasm"
  od -An -v -tx1 "$out/gen/idle.wasm" | sed -E 's/ ([0-9a-f]{2})/0x\1, /g' \
    >"$out/gen/tests/fuzz/idle_module.inc"
fi

# Kernel objects, instrumented for coverage but without libFuzzer's main.
objs=()
sources=()
inputs=()
for part in "${parts[@]}"; do inputs+=("$root"/kernel/"$part"/*.cc); done
for dir in "${extra_dirs[@]}"; do inputs+=("$root"/"$dir"/*.cc); done
for file in "${extra_files[@]}"; do inputs+=("$root/$file"); done
[ "$target" = rpc_fuzz ] && inputs+=("$out"/gen/proto/*.c++)
[ "$target" = image_fuzz ] && inputs+=("$out"/gen/proto/image.capnp.c++)
for f in "${inputs[@]}"; do
  case "$f" in *_test.cc) continue ;; esac
  obj="$out/obj/$(basename "$(dirname "$f")")_$(basename "${f%.*}").o"
  objs+=("$obj")
  if [ ! -f "$obj" ] || [ "$f" -nt "$obj" ] || [ -n "$(find "$root/kernel" "$root/migrate" -name '*.h' -newer "$obj" -print -quit)" ]; then
    sources+=("$f")
  fi
done
compile_one() {
  local f="$1" out="$2" cxx="$3"; shift 3
  local obj="$out/obj/$(basename "$(dirname "$f")")_$(basename "${f%.*}").o"
  "$cxx" "$@" -fsanitize=fuzzer-no-link -c "$f" -o "$obj"
}
export -f compile_one
if [ ${#sources[@]} -gt 0 ]; then
  echo "compiling ${#sources[@]} kernel sources with $cxx"
  printf '%s\n' "${sources[@]}" |
    xargs -P "$jobs" -I{} bash -c 'compile_one "$@"' _ {} "$out" "$cxx" "${flags[@]}"
fi

binary="$out/$target"
echo "linking $binary"
if ! "$cxx" "${flags[@]}" -fsanitize=fuzzer "$src" "${objs[@]}" "${libs[@]}" -o "$binary" 2>"$out/link-$target.log"; then
  # A target that stops linking fails CI: there is no skip.
  cat "$out/link-$target.log" >&2
  exit 1
fi

# Seeds: the .wat files, assembled now so the repository holds no binaries.
if [ "$target" = rpc_fuzz ]; then
  # Real sessions of proxies talking to the fuzzed server, recorded by the
  # binary itself (see rpc_fuzz.cc).
  SHOAL_RPC_FUZZ_RECORD="$out/corpus-$target" "$binary" >/dev/null 2>&1 ||
    echo "rpc_fuzz: recording the seed sessions failed; fuzzing from the corpus as is"
elif [ "$target" = image_fuzz ]; then
  # Sample images, written by the binary itself (see image_fuzz.cc).
  SHOAL_IMAGE_FUZZ_RECORD="$out/corpus-$target" "$binary" >/dev/null 2>&1 ||
    echo "image_fuzz: writing the seed images failed; fuzzing from the corpus as is"
elif [ "$target" = dashboard_request_fuzz ]; then
  # Requests a browser and the dashboard send, and a few that try to climb out.
  printf '%s' '/app.js?v=1' >"$out/corpus-$target/seed_target"
  printf '%s' '/../../etc/passwd' >"$out/corpus-$target/seed_climb"
  printf '%s' 'theme=dark; shoal_token="abc123"' >"$out/corpus-$target/seed_cookie"
  printf '%s' 'Bearer abc123' >"$out/corpus-$target/seed_bearer"
  printf '%s' '{"token": "abc123"}' >"$out/corpus-$target/seed_login"
  printf '%s' '/api/shoal.admin.v1.Admin/ListNodes' >"$out/corpus-$target/seed_api"
elif command -v wat2wasm >/dev/null; then
  for wat in "$root"/tests/fuzz/seeds/*.wat; do
    wat2wasm "$wat" -o "$out/corpus-$target/seed_$(basename "$wat" .wat).wasm"
  done
else
  echo "wat2wasm not found: fuzzing without the .wat seeds"
fi
spec_dir="${SHOAL_SPEC_DIR:-$root/../shared/wasm-testsuite}"
if [ "$target" != abi_fuzz ] && [ "$target" != rpc_fuzz ] && [ "$target" != image_fuzz ] && [ "$target" != dashboard_request_fuzz ] && [ -d "$spec_dir" ] && command -v wast2json >/dev/null && [ ! -f "$out/spec-seeds-$target.done" ]; then
  echo "adding the spec tests' modules from $spec_dir to the seeds"
  if [ ! -d "$out/spec-json" ]; then
    mkdir -p "$out/spec-json"
    for wast in "$spec_dir"/*.wast; do
      wast2json "$wast" -o "$out/spec-json/$(basename "$wast" .wast).json" 2>/dev/null || true
    done
  fi
  for wasm in "$out"/spec-json/*.wasm; do
    [ -f "$wasm" ] && cp "$wasm" "$out/corpus-$target/spec_$(basename "$wasm")"
  done
  touch "$out/spec-seeds-$target.done"
fi

[ "$seconds" -gt 0 ] || exit 0
echo "fuzzing $target for ${seconds}s"
cd "$out/crashes-$target"
ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" "$binary" \
  -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 ${dict:+-dict="$dict"} "${extra_flags[@]}" \
  "$out/corpus-$target"
