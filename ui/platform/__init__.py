"""The platform the console is connected to: the connection dialog, switching, notes."""
