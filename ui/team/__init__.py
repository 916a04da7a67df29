"""The team at a glance: invites, joining, who is connected, and what teammates changed."""
