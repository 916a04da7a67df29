"""Extensions found through entry points: platform adapters, overlay styles, hotkey devices."""
