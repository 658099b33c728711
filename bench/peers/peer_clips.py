"""The feature benchmarks' input, shared by the torchaudio peers (CPU and GPU) so that they read
exactly what bench/features_bench.cpp reads: BATCH RAVDESS clips, evenly spaced through the
sorted file list, each tiled cyclically to SECONDS (np.resize, as tile_to() in C++); seeded noise,
labelled as such, when the corpus is missing."""
import glob
import os

import numpy as np
import soundfile as sf

SR = 16000
BATCH = 32
SECONDS = 4.0


def load_clips(corpora):
    """(BATCH, SECONDS * SR) float32 samples and a description of where they came from."""
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
