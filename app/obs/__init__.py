"""OBS Studio control over obs-websocket v5: connection, scenes, outputs, stats, inputs, set-up."""
