"""OBS Studio control over obs-websocket v5: connection, scenes, outputs, stats, inputs, set-up, and
the chosen camera as an OBS input (app/camera is about devices only)."""
