"""One typed settings schema with defaults and descriptions, stored as JSON in the user's config dir.

Secrets (platform tokens, the OBS password) are NOT here: see :mod:`app.secrets`. Window layout
lives in QSettings (ui). Plugins keep their own settings under ``plugins[<name>]``.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any, Literal

from platformdirs import user_config_dir, user_data_dir
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

log = logging.getLogger(__name__)

APP_NAME = "livedesk"


def config_dir() -> Path:
    """Where settings live. ``LIVEDESK_CONFIG_DIR`` overrides (tests, portable installs)."""
    return Path(os.environ.get("LIVEDESK_CONFIG_DIR") or user_config_dir(APP_NAME))


def data_dir() -> Path:
    """Where sessions, the sandbox db and snapshots live. ``LIVEDESK_DATA_DIR`` overrides."""
    return Path(os.environ.get("LIVEDESK_DATA_DIR") or user_data_dir(APP_NAME))


class _Section(BaseModel):
    model_config = ConfigDict(extra="ignore", validate_assignment=True)


class PlatformSettings(_Section):
    adapter: str = Field(
        "sandbox", description="Platform adapter (entry point in livedesk.platforms)"
    )
    url: str | None = Field(None, description="Platform base URL; empty: start the local sandbox")
    room: str | None = Field(None, description="Room id on the platform")
    role: Literal["host", "assistant", "reviewer"] = Field("host", description="Operator role")
    commerce: str | None = Field(
        None,
        description="Commerce backend (a livedesk.platforms entry point offering catalogue/"
        "orders) whose shop joins the platform's chat in one room (平台 → 连接平台… → "
        "商品与订单来源); empty: the platform's own",
    )
    lan: bool = Field(
        False,
        description="Built-in sandbox listens on the LAN (0.0.0.0) so teammates on other machines "
        "can join with an invite; off: this machine only (127.0.0.1). Anyone on the network who "
        "has an invite (its token) can then connect. Takes effect at the next start",
    )
    fields: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="Per platform adapter (by name), the non-secret connection fields entered in "
        "平台 → 连接平台… (e.g. bilibili: app_id, access_key_id, room); the secrets are in the OS "
        "keyring (app/platform/credentials.py)",
    )


class ObsSettings(_Section):
    host: str = Field("127.0.0.1", description="obs-websocket host")
    port: int = Field(4455, ge=1, le=65535, description="obs-websocket port")
    enabled: bool = Field(True, description="Connect to OBS at start")
    canvas: Literal["16:9", "9:16"] = Field("16:9", description="Scene-set canvas orientation")
    overlay_dir: str | None = Field(None, description="Where overlay PNGs are written for OBS")
    overlay_server_port: int = Field(
        4480,
        ge=0,
        le=65535,
        description="Local overlay page server port, fixed so Browser Source URLs stay the same "
        "(taken: a free one is used and the OBS panel says so; 0: any free)",
    )


class CameraSettings(_Section):
    source: str | None = Field(None, description="Device path/index, media file or URL")
    width: int = Field(1920, gt=0)
    height: int = Field(1080, gt=0)
    fps: int = Field(30, gt=0, le=240)
    focus_baseline: float | None = Field(None, description="Laplacian variance of a sharp picture")


CameraRole = Literal["host", "closeup", "standby"]
CAMERA_ROLES: tuple[CameraRole, ...] = ("host", "closeup", "standby")
PipCorner = Literal["top_left", "top_right", "bottom_left", "bottom_right"]
PipSize = Literal["small", "medium", "large"]


class CameraRolesSettings(_Section):
    """The cameras besides the host one, by role, and the 画中画 preset. The host camera (主机位,
    required) is ``Settings.camera``, kept there so settings files from before camera roles load
    unchanged: their one camera is the host. A role whose ``source`` is empty is not used."""

    closeup: CameraSettings = Field(
        default_factory=CameraSettings, description="商品特写 camera (optional)"
    )
    standby: CameraSettings = Field(
        default_factory=CameraSettings, description="备用 camera the failover shows (optional)"
    )
    pip_corner: PipCorner = Field("top_right", description="画中画: the inset's corner")
    pip_size: PipSize = Field("medium", description="画中画: the inset's size")
    pip_swap: bool = Field(
        False, description="画中画: the close-up camera full and the host camera the inset"
    )


DEFAULT_HIGHLIGHT = "#fff3b0"


class FailoverSettings(_Section):
    """Failover that acts by itself (app/obs/failover.py): while live, the host camera is watched
    through OBS source screenshots and the microphone through OBS's volume meters."""

    enabled: bool = Field(True, description="Watch the camera and the microphone while live")
    window_s: float = Field(
        2.0, ge=0.5, le=30.0, description="Camera frozen, black or lost this long → standby scene"
    )
    checks_per_second: float = Field(
        5.0, ge=1.0, le=10.0, description="Camera screenshots a second (small, one at a time)"
    )
    auto_return: bool = Field(
        True,
        description="Back to the live scene by itself once the camera recovers; off: the "
        "operator confirms (切回直播画面)",
    )
    recover_s: float = Field(
        1.0, ge=0.0, le=30.0, description="The camera must look right this long to count as back"
    )
    mic_input: str = Field(
        "", description="OBS input of the microphone; empty: OBS's Mic/Aux (麦克风/辅助音频)"
    )
    mic_window_s: float = Field(
        8.0, ge=1.0, le=120.0, description="Microphone muted or silent this long → alert"
    )
    mic_silence_db: float = Field(
        -50.0, ge=-90.0, le=-10.0, description="Peaks below this level (dBFS) count as silence"
    )


class HighlightRule(_Section):
    """Comments containing ``keyword`` (case-sensitive substring) get ``colour`` behind them."""

    keyword: str = Field(min_length=1, max_length=40, description="Text to look for")
    colour: str = Field(
        DEFAULT_HIGHLIGHT, pattern=r"^#[0-9a-fA-F]{6}$", description="Row colour, #rrggbb"
    )


class UiSettings(_Section):
    language: Literal["zh_CN", "en"] = Field("zh_CN", description="UI language")
    comment_buffer: int = Field(20_000, ge=500, le=500_000, description="Comments kept in view")
    link_alarm_sound: bool = Field(
        True, description="Beep when the platform link drops (the red banner always shows)"
    )
    highlight_rules: list[HighlightRule] = Field(
        default_factory=list,
        description="Keyword highlight rules for comments, first match wins",
    )
    shortcuts: dict[str, str] = Field(
        default_factory=dict,
        description="Action id → key sequence overrides (portable text, '' = no key)",
    )
    explain_hold_seconds: float = Field(
        20.0,
        ge=2.0,
        le=600.0,
        description="While an explain card is held, re-send it at least this often (seconds)",
    )
    lottery_auto_draw: bool = Field(
        True,
        description="The host's console draws a lottery by itself when its entry window closes",
    )
    chat_announce: bool | None = Field(
        None,
        description="Where the console can write in the chat (Twitch), post one short message "
        "there when this console explains a product and when its lottery opens and is drawn "
        "(平台 → 在聊天中播报讲解与抽奖); null: on where the chat platform shows no product card of "
        "its own (Twitch), off on live-commerce platforms (the sandbox)",
    )
    chat_announce_language: Literal["", "zh_CN", "en"] = Field(
        "",
        description="Language of those chat messages; '' = the chat platform's (English for "
        "Twitch), else the UI's",
    )
    first_run_done: bool = Field(
        False,
        description="The first-run guide (帮助 → 新手引导) was finished or skipped: not shown at "
        "start any more",
    )
    first_run_page: str = Field(
        "",
        description="The guide page to continue on in the next window (set when the guide "
        "switched the platform); '' when none",
    )
    price_drop_confirm_percent: int = Field(
        30,
        ge=1,
        le=99,
        description="A new price more than this many percent below the current or the original "
        "price asks for confirmation before it is sent",
    )

    @model_validator(mode="before")
    @classmethod
    def _old_highlight_keywords(cls, data: Any) -> Any:
        """Files from before highlight rules had a flat ``highlight_keywords`` list."""
        if isinstance(data, dict) and "highlight_keywords" in data:
            data = dict(data)
            words = data.pop("highlight_keywords") or []
            if "highlight_rules" not in data and isinstance(words, list):
                data["highlight_rules"] = [
                    {"keyword": w} for w in words if isinstance(w, str) and w.strip()
                ]
        return data


class AlertSettings(_Section):
    """The live alert rules' thresholds (app/live/alerts.py ``config_from``), edited in the
    提醒与评分设置 dialog (ui/alert_settings.py) and applied without a restart. Rules between
    fields (a baseline longer than its window, spans within the 15-minute history) are
    ``app.live.alerts.problems``."""

    online_drop_percent: int = Field(
        20, ge=1, le=90, description="Online viewers fell this many percent from their peak"
    )
    online_window_s: int = Field(120, ge=10, le=900, description="…within this many seconds")
    online_min_peak: int = Field(
        20, ge=0, le=10_000_000, description="Below this peak a swing is noise (no alert)"
    )
    stock_threshold: int = Field(10, ge=0, le=10_000_000, description="Low-stock threshold")
    comment_below_percent: int = Field(
        30, ge=1, le=99, description="Comment rate below this percent of its recent average"
    )
    comment_window_s: int = Field(60, ge=10, le=600, description="Comment rate: current window")
    comment_baseline_s: int = Field(
        300, ge=30, le=900, description="Comment rate: the average's span"
    )
    comment_min_history_s: int = Field(
        180, ge=30, le=900, description="History needed before a collapse is judged"
    )
    comment_min_rate: float = Field(
        10.0, ge=0.0, le=100_000.0, description="Comments per minute below which nothing is judged"
    )
    frames_dropped_percent: float = Field(
        5.0, ge=0.1, le=100.0, description="Stream frames dropped (OBS) above this percent"
    )
    interaction_drop_percent: int = Field(
        10, ge=1, le=90, description="Interaction rate fell this many percent…"
    )
    interaction_baseline_minutes: int = Field(
        5, ge=1, le=14, description="…against its rate over this many minutes before"
    )
    interaction_window_s: int = Field(
        60, ge=30, le=300, description="Interaction rate: current window"
    )
    interaction_min_online: int = Field(
        10, ge=0, le=10_000_000, description="Mean online viewers below which nothing is judged"
    )


class ReviewSettings(_Section):
    """The replay score (复盘评分, app/session/score.py): weights and the team's targets. Kept in
    this settings file (section ``review``). On a platform that keeps the team's settings
    (capability ``team_settings``) the team shares one set through the platform and this section
    is its cache (app/live/team_review.py); elsewhere it is this console user's own. Its fields
    and ranges are also the platform contract's (``PUT /team/review``, docs/platform-api.md)."""

    weight_gmv: int = Field(50, ge=0, le=100, description="Score weight of GMV")
    weight_conversion: int = Field(30, ge=0, le=100, description="Score weight of conversion")
    weight_interaction: int = Field(20, ge=0, le=100, description="Score weight of interaction")
    basis: Literal["auto", "targets"] = Field(
        "auto",
        description="auto: against the team's own previous sessions once there are "
        "min_history of them, else the targets; targets: always the targets",
    )
    min_history: int = Field(
        3, ge=1, le=50, description="Previous sessions needed to score against history"
    )
    target_gmv_cents: int = Field(
        1_000_000, ge=1, le=10**13, description="GMV target per session, in cents"
    )
    target_conversion_percent: float = Field(
        5.0, gt=0.0, le=100.0, description="Conversion target (buyers ÷ viewers), percent"
    )
    target_interaction: float = Field(
        1.0, gt=0.0, le=10_000.0, description="Interaction target (per online viewer per minute)"
    )

    @model_validator(mode="after")
    def _some_weight(self) -> ReviewSettings:
        if self.weight_gmv + self.weight_conversion + self.weight_interaction <= 0:
            raise ValueError("at least one score weight must be above 0")
        return self


class PicturePreset(_Section):
    """A picture preset (app/obs/presets.py) saved for one OBS input, re-applied on connect."""

    preset: str = Field("natural", description="Preset key: natural, bright, warm, cool, soft…")
    strength: int = Field(60, ge=0, le=100, description="Strength in percent")


class Settings(_Section):
    platform: PlatformSettings = Field(default_factory=PlatformSettings)
    obs: ObsSettings = Field(default_factory=ObsSettings)
    camera: CameraSettings = Field(default_factory=CameraSettings)  # the host camera (主机位)
    cameras: CameraRolesSettings = Field(default_factory=CameraRolesSettings)
    failover: FailoverSettings = Field(default_factory=FailoverSettings)
    ui: UiSettings = Field(default_factory=UiSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    review: ReviewSettings = Field(default_factory=ReviewSettings)
    picture: dict[str, PicturePreset] = Field(
        default_factory=dict, description="Picture preset per OBS input name"
    )
    plugins: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Per-plugin namespaces"
    )

    def camera_for(self, role: CameraRole) -> CameraSettings:
        """The camera of ``role`` (the host's is ``camera``)."""
        if role == "host":
            return self.camera
        return self.cameras.closeup if role == "closeup" else self.cameras.standby

    @model_validator(mode="before")
    @classmethod
    def _known_user(cls, data: Any) -> Any:
        """A settings file from before the first-run guide (its ``ui`` section without
        ``first_run_done``) belongs to someone who has used LiveDesk: no guide at start."""
        if isinstance(data, dict) and isinstance(data.get("ui"), dict):
            ui = data["ui"]
            if "first_run_done" not in ui:
                data = {**data, "ui": {**ui, "first_run_done": True}}
        return data


def settings_path() -> Path:
    return config_dir() / "settings.json"


def load_settings(path: Path | None = None) -> Settings:
    """Read settings; a missing file gives defaults, a broken one is kept aside and defaults used."""
    path = path or settings_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return Settings.model_validate(raw)
    except FileNotFoundError:
        return Settings()
    except (OSError, ValueError, ValidationError) as exc:
        broken = path.with_suffix(".broken.json")
        log.warning(
            "settings file %s is unreadable (%s); kept as %s, using defaults", path, exc, broken
        )
        try:
            path.replace(broken)
        except OSError:
            pass
        return Settings()


def save_settings(settings: Settings, path: Path | None = None) -> None:
    """Write settings atomically (write a temp file, then rename)."""
    path = path or settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(settings.model_dump_json(indent=2), encoding="utf-8")
    os.replace(tmp, path)
