"""LiveDesk core: domain model, live-room state, platform adapters, OBS/camera control. No widgets."""

__version__ = "0.1.0"
