"""On-stream overlays: one state, drawn with QPainter into PNGs for OBS image sources and served as
live pages for OBS Browser Source."""
