"""Camera set-up: find cameras, open them in a chosen mode, preview on a thread, check the picture.

numpy/OpenCV only: conversion to QImage and drawing happen in ``ui/camera``.
"""

import os as _os
import sys as _sys

if _sys.platform == "win32":
    # Windows MSMF can take 4–20 s to open a camera with hardware transforms on (recipes/pitfalls)
    _os.environ.setdefault("OPENCV_VIDEOIO_MSMF_ENABLE_HW_TRANSFORMS", "0")
