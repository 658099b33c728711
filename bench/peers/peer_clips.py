"""The feature benchmarks' input, shared by the torchaudio peers (CPU and GPU) so that they read
exactly what bench/features_bench.cpp reads: BATCH RAVDESS clips, evenly spaced through the
sorted file list, each tiled cyclically to SECONDS (np.resize, as tile_to() in C++); seeded noise,
labelled as such, when the corpus is missing.

A machine without the soundfile module (the lent GPU machine) reads the same batch from
ravdess_peer_clips.npy beside the corpus folder: the int16 samples this file writes with
`python3 bench/peers/peer_clips.py CORPORA` (bench/gpu/pack_for_device.sh does). The clips are
16-bit FLAC, so int16 / 32768 is exactly what soundfile's float32 read returns."""
import glob
import os
import sys

import numpy as np

SR = 16000
BATCH = 32
SECONDS = 4.0


PREDECODED = "ravdess_peer_clips.npy"


def load_clips(corpora):
    """(BATCH, SECONDS * SR) float32 samples and a description of where they came from."""
    predecoded = os.path.join(corpora, PREDECODED)
    try:
        import soundfile  # noqa: F401  (only to learn whether it is there)
    except ImportError:
        if os.path.exists(predecoded):
            pcm = np.load(predecoded)
            assert pcm.dtype == np.int16 and pcm.shape == (BATCH, int(SECONDS * SR)), pcm.shape
            return pcm.astype(np.float32) / 32768.0, f"ravdess ({BATCH} clips, {PREDECODED})"
    return decode_clips(corpora)


def decode_clips(corpora):
    """load_clips() from the FLAC files themselves (needs the soundfile module)."""
    import soundfile as sf

    root = os.path.join(corpora, "ravdess")
    paths = sorted(os.path.relpath(p, root) for p in glob.glob(os.path.join(root, "Actor_*", "*.flac")))
    n = int(SECONDS * SR)
    if len(paths) < BATCH:
        rng = np.random.default_rng(12345)
        return (rng.standard_normal((BATCH, n)) * 0.1).astype(np.float32), "SEEDED NOISE: corpus missing"
    stride = len(paths) // BATCH
    clips = []
    for i in range(BATCH):
        x, sr = sf.read(os.path.join(root, paths[i * stride]), dtype="float32")
        assert sr == SR and x.ndim == 1, (paths[i * stride], sr, x.shape)
        clips.append(np.resize(x, n))
    return np.stack(clips), f"ravdess ({BATCH} clips of {len(paths)}, tiled to 4 s)"


if __name__ == "__main__":
    # python3 bench/peers/peer_clips.py CORPORA: writes CORPORA/ravdess_peer_clips.npy (int16).
    corpora = sys.argv[1]
    clips, source = decode_clips(corpora)
    assert not source.startswith("SEEDED"), f"no RAVDESS under {corpora}"
    pcm = np.round(clips * 32768.0)
    assert np.array_equal(pcm / 32768.0, clips) and pcm.min() >= -32768 and pcm.max() <= 32767
    np.save(os.path.join(corpora, PREDECODED), pcm.astype(np.int16))
    print(f"{os.path.join(corpora, PREDECODED)}: {source}")
