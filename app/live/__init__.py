"""Live-room state: one :class:`~app.live.room.LiveRoom` per connected room, fed by platform events."""
