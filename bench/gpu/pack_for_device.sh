#!/usr/bin/env bash
# Runs HERE (the build machine): packs what bench/gpu/run_on_device.sh needs on a lent GPU machine
# into ONE xz archive, .devlibs/pack.tar.xz (the folder is ignored; carry it with the device tool:
# carry [".devlibs"]; the libraries alone are ~64 MiB unpacked, hence the archive). It holds:
#   .devlibs/bin/   calmspace, gpu_tests (and every other test / bench binary that exists)
#   .devlibs/lib/   the non-system shared libraries they load (ldd), without libc/libstdc++/
#                   libgcc/libm and without CUDA, cuBLAS, cuFFT and cuDNN (the device has its own)
#   .devlibs/corpora/ravdess/Actor_NN/  FLAC clips of the first ACTORS actors (never committed;
#                   the device reaches no corpus): the gpu training test and the epoch timing
#   .devlibs/corpora/ravdess_peer_clips.npy  the feature peers' 32-clip batch from that subset,
#                   decoded here (the device's Python has no soundfile module)
# Usage: bench/gpu/pack_for_device.sh [BUILD_DIR=build] [ACTORS=16]
# (measured: 12 actors packed to 43 MiB; each actor is ~2.3 MiB of FLAC)
# Fails if the folder exceeds the 64 MiB a device call may carry.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
actors=${2:-16}
corpora=${CALMSPACE_CORPORA:-$root/../shared/corpora}
dest=$root/.devlibs
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
out=$stage/pack
mkdir -p "$out/bin" "$out/lib"

bins=("$build/tools/calmspace" "$build/tests/gpu_tests")
for b in "${bins[@]}"; do
  [[ -x $b ]] || { echo "missing $b: build the calmspace and gpu_tests targets" >&2; exit 1; }
done
for b in "$build"/bench/*_bench; do [[ -x $b ]] && bins+=("$b"); done
cp "${bins[@]}" "$out/bin/"
strip --strip-unneeded "$out"/bin/* 2>/dev/null || true

# FFmpeg (only `calmspace serve` decodes browser WebM/MP4 with it) drags in ~120 MiB of codecs
# (x265, aom, codec2, rsvg, ICU, ...) that would not fit a device call, and the device runs no
# server. Stand-ins with the same sonames and symbol versions take their place: every FFmpeg
# function calmspace imports exits with a message naming it. All calls into FFmpeg are lazily
# bound (R_X86_64_JUMP_SLOT), so nothing happens unless a browser recording is decoded.
stubs=$stage/ffmpeg_stubs
mkdir -p "$stubs"
nm -D --undefined-only --with-symbol-versions "$build/tools/calmspace" |
  awk '{print $2}' | grep -E '@LIB(AV[A-Z]+|SWRESAMPLE)_[0-9]+$' | sort -u >"$stubs/imports"
for version in $(cut -d@ -f2 "$stubs/imports" | sort -u); do
  soname=$(echo "${version%_*}" | tr '[:upper:]' '[:lower:]').so.${version##*_}  # libavutil.so.57
  {
    echo '#include <stdio.h>'
    echo '#include <stdlib.h>'
    for sym in $(grep "@$version\$" "$stubs/imports" | cut -d@ -f1); do
      printf 'void %s(void) { fputs("calmspace device pack: FFmpeg (%s) is not packed\\n", stderr); exit(3); }\n' \
        "$sym" "$sym"
    done
  } >"$stubs/$soname.c"
  echo "$version { global: *; };" >"$stubs/$soname.map"
  cc -shared -fPIC -o "$stubs/$soname" -Wl,-soname,"$soname" -Wl,--version-script="$stubs/$soname.map" \
    "$stubs/$soname.c"
done

# Libraries the device lacks: everything ldd resolves except the C/C++ runtime and NVIDIA's
# (with the FFmpeg stand-ins first on the path, so the codecs behind FFmpeg drop out).
skip='^(linux-vdso|ld-linux|libc\.|libm\.|libdl\.|librt\.|libresolv\.|libpthread\.|libstdc\+\+|libgcc_s|libcuda\.|libcudart|libcublas|libcublasLt|libcufft|libcudnn|libnvrtc|libnvJitLink)'
for b in "${bins[@]}"; do
  LD_LIBRARY_PATH=$stubs ldd "$b" | awk '/=> \// {print $1, $3}'
done | sort -u | while read -r name path; do
  [[ $name =~ $skip ]] && continue
  cp -L "$path" "$out/lib/$name"
done

# A RAVDESS subset (the first ACTORS actors) for the device's training runs.
if [[ -d $corpora/ravdess ]]; then
  for n in $(seq 1 "$actors"); do
    a=$(printf 'Actor_%02d' "$n")
    mkdir -p "$out/corpora/ravdess/$a"
    cp "$corpora/ravdess/$a"/* "$out/corpora/ravdess/$a/"
  done
  /usr/bin/python3 "$root/bench/peers/peer_clips.py" "$out/corpora"
else
  echo "no RAVDESS under $corpora: the device run will skip the training parts" >&2
fi

git -C "$root" rev-parse HEAD >"$out/REVISION"
du -sh "$out"/bin "$out"/lib "$out"/corpora 2>/dev/null || true
rm -rf "$dest"
mkdir -p "$dest"
tar -C "$stage" -cf - pack | xz -T2 -6 >"$dest/pack.tar.xz"
size=$(du -sm "$dest" | cut -f1)
echo "packed $dest/pack.tar.xz: ${size} MiB ($(ls "$out/lib" | wc -l) libraries, $(ls "$out/bin" | wc -l) programs)"
if ((size > 63)); then
  echo "over the 64 MiB a device call carries: pass fewer ACTORS" >&2
  exit 1
fi
