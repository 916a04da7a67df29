"""Working as a team on one room: invites (invite.py), LAN addresses (lan.py)."""
