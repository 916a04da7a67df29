"""Scenes: the list, the program (and, in studio mode, preview) scene, switching — kept current from
OBS's own events, so a switch made in OBS itself shows in the console too."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.aio import spawn
from app.listeners import Listeners
from app.obs.commands import CommandHook
from app.obs.connection import ObsConnection
from app.obs.errors import ObsError

log = logging.getLogger(__name__)

_REFRESH_ON = (
    "SceneListChanged",
    "SceneCreated",
    "SceneRemoved",
    "SceneNameChanged",
    "StudioModeStateChanged",
)


@dataclass(frozen=True, slots=True)
class SceneState:
    scenes: tuple[str, ...] = ()
    program: str | None = None
    preview: str | None = None  # only in studio mode
    studio_mode: bool = False
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


SceneListener = Callable[[SceneState], None]


class Scenes:
    def __init__(self, conn: ObsConnection) -> None:
        self._conn = conn
        self._state = SceneState()
        self._listeners = Listeners[[SceneState]]("OBS scenes listener")
        self._switch_events = 0  # program/preview changes OBS reported (see refresh)
        self.commands = CommandHook()  # what this console asks OBS to do (the recorder listens)
        conn.on_event("CurrentProgramSceneChanged", self._on_program)
        conn.on_event("CurrentPreviewSceneChanged", self._on_preview)
        for name in _REFRESH_ON:
            conn.on_event(name, self._on_structure)
        conn.on_connected(self.refresh)

    @property
    def state(self) -> SceneState:
        return self._state

    def subscribe(self, listener: SceneListener) -> Callable[[], None]:
        return self._listeners.add(listener)

    async def refresh(self) -> SceneState:
        """Read the whole state from OBS. A program/preview change OBS reported while the
        answers were on their way is newer than them and is kept (set-up makes many scenes, each
        spawning a refresh: one answered before a switch must not undo the switch's event)."""
        seen = self._switch_events
        listing = await self._conn.request("GetSceneList")
        studio = await self._conn.request("GetStudioModeEnabled")
        if self._switch_events != seen:
            listing = {
                **listing,
                "currentProgramSceneName": self._state.program,
                "currentPreviewSceneName": self._state.preview,
            }
        # GetSceneList lists scenes bottom-up (index 0 last in OBS's UI): show them as OBS does
        names = tuple(s["sceneName"] for s in reversed(listing.get("scenes", [])))
        enabled = bool(studio.get("studioModeEnabled"))
        self._set(
            SceneState(
                scenes=names,
                program=listing.get("currentProgramSceneName"),
                preview=listing.get("currentPreviewSceneName") if enabled else None,
                studio_mode=enabled,
            )
        )
        return self._state

    async def switch(self, name: str) -> None:
        """Put ``name`` on the program output (what viewers see)."""
        req = self._conn.request("SetCurrentProgramScene", sceneName=name)
        await self.commands.run("switch_scene", req, scene=name)

    async def set_preview(self, name: str) -> None:
        """Studio mode: put ``name`` in preview (viewers see nothing change until a transition)."""
        req = self._conn.request("SetCurrentPreviewScene", sceneName=name)
        await self.commands.run("set_preview", req, scene=name)

    async def transition(self) -> None:
        """Studio mode: swap preview to program."""
        req = self._conn.request("TriggerStudioModeTransition")
        await self.commands.run("transition", req, preview=self._state.preview)

    async def set_studio_mode(self, enabled: bool) -> None:
        await self._conn.request("SetStudioModeEnabled", studioModeEnabled=enabled)

    # --- events (on the loop) -------------------------------------------------------------------
    def _set(self, state: SceneState) -> None:
        if state == self._state:
            return
        self._state = state
        self._listeners.emit(state)

    def _replace(self, **changes: Any) -> None:
        s = self._state
        self._set(
            SceneState(
                scenes=changes.get("scenes", s.scenes),
                program=changes.get("program", s.program),
                preview=changes.get("preview", s.preview),
                studio_mode=changes.get("studio_mode", s.studio_mode),
            )
        )

    def _on_program(self, _type: str, data: dict[str, Any]) -> None:
        self._switch_events += 1
        self._replace(program=data.get("sceneName"))

    def _on_preview(self, _type: str, data: dict[str, Any]) -> None:
        self._switch_events += 1
        self._replace(preview=data.get("sceneName"))

    def _on_structure(self, _type: str, _data: dict[str, Any]) -> None:
        async def again() -> None:
            try:
                await self.refresh()
            except ObsError as exc:
                log.info("scene refresh failed: %s", exc)

        spawn(again(), name="obs-scenes-refresh")
