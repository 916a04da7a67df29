"""Camera set-up: find cameras, open them in a chosen mode, preview on a thread, check the picture.

numpy/OpenCV only: conversion to QImage and drawing happen in ``ui/camera``.
"""
