"""The Python port of the worker's resize: properties here; equality with the TypeScript one on every
fixture image (decoded pixels and model input, byte for byte) in test/integration/backfill/."""

import numpy as np

from iw_backfill.image import normalization_table, resize_bilinear_align_corners


def test_align_corners_keeps_the_corners_and_a_same_size_resize_is_the_table():
    rng = np.random.default_rng(1)
    pixels = rng.integers(0, 256, (5, 7, 3), dtype=np.uint8)
    lut = normalization_table(1 / 255, [0, 0, 0], [1, 1, 1])
    same = resize_bilinear_align_corners(pixels, 7, 5, lut)
    assert same.dtype == np.float32
    assert np.array_equal(same, lut[np.arange(3), pixels])
    big = resize_bilinear_align_corners(pixels, 224, 224, lut)
    for (r, c), (sr, sc) in {(0, 0): (0, 0), (0, 223): (0, 6), (223, 0): (4, 0), (223, 223): (4, 6)}.items():
        assert np.array_equal(big[r, c], lut[np.arange(3), pixels[sr, sc]])


def test_the_midpoint_is_the_mean_of_its_neighbours():
    pixels = np.array([[[0, 0, 0], [255, 255, 255]]], dtype=np.uint8)
    lut = normalization_table(1 / 255, [0, 0, 0], [1, 1, 1])
    out = resize_bilinear_align_corners(pixels, 3, 1, lut)
    assert np.allclose(out[0, 1], 0.5)


def test_mean_and_std_are_applied_per_channel():
    lut = normalization_table(1.0, [1, 2, 3], [2, 4, 8])
    assert lut.shape == (3, 256) and lut.dtype == np.float32
    assert lut[0, 3] == np.float32(1.0) and lut[1, 10] == np.float32(2.0) and lut[2, 3] == np.float32(0.0)
