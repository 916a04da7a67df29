"""The built-in sandbox platform: a local live-commerce platform with a simulated audience."""
