"""Camera set-up dialog and its live preview."""
