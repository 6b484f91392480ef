#!/usr/bin/python3
"""Writes the .npy fixtures of tests/test_npy.c with NumPy itself, so the
reader is checked against the real writer. Run from this directory:
/usr/bin/python3 make.py"""
import numpy as np

np.save("f4.npy", (np.arange(6, dtype=np.float32) * 0.5 - 1).reshape(2, 3))
np.save("f2.npy", np.array([1.5, -2, 65504, 2.0**-24], dtype=np.float16))
np.save("f8.npy", np.array([0.1, -3.25], dtype=np.float64))
np.save("i8.npy", np.array([[-5, 7]], dtype=np.int64))
np.save("i4.npy", np.array([1, -2, 3], dtype=np.int32))
np.save("i1.npy", np.array([-128, 127], dtype=np.int8))
np.save("u1.npy", np.array([0, 255, 3], dtype=np.uint8))
np.save("scalar.npy", np.float32(2.5))
np.save("empty.npy", np.zeros((0, 3), dtype=np.float32))
with open("v2.npy", "wb") as f:
    np.lib.format.write_array(f, np.ones((2, 2), dtype=np.float32) * 3,
                              version=(2, 0))
np.save("fortran.npy", np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)))
np.save("big_endian.npy", np.array([1, 2], dtype=">f4"))
np.save("bool.npy", np.array([True, False]))
