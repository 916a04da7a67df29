"""The small, documented surface that plugins may import. Nothing else in ``app`` is public to them."""

from __future__ import annotations

from app.aio import spawn
from app.format import minor_digits
from app.i18n import tr, tr_noop
from app.listeners import Listeners
from app.platform import models
from app.platform.adapter import AdapterFactory, PlatformAdapter
from app.platform.backoff import Backoff
from app.platform.capabilities import (
    ALL,
    COMMERCE,
    EVENT_CAPABILITY,
    INTERACTION,
    REQUIRED_BY_ACTION,
    Capability,
)
from app.platform.client import PlatformClient
from app.platform.connection import (
    ConnectionStatus,
    ConnectionTracker,
    LinkState,
    Recovery,
    RecoveryStep,
)
from app.platform.errors import OfflineError, PlatformError, StaleVersionError
from app.platform.event_queue import EventQueue
from app.platform.fields import ConnectionField, SignInCode, setting
from app.platform.recent import RecentKeys
from app.platform.registry import platform_factories, platform_factory
from app.platform.stream import StreamConfig
from app.resources import resource
from app.self_command import self_command
from app.settings import ReviewSettings, data_dir

__all__ = [
    "ALL",
    "COMMERCE",
    "EVENT_CAPABILITY",
    "INTERACTION",
    "REQUIRED_BY_ACTION",
    "AdapterFactory",
    "Backoff",
    "Capability",
    "ConnectionField",
    "ConnectionStatus",
    "ConnectionTracker",
    "EventQueue",
    "LinkState",
    "Listeners",
    "OfflineError",
    "PlatformAdapter",
    "PlatformClient",
    "PlatformError",
    "RecentKeys",
    "Recovery",
    "RecoveryStep",
    "ReviewSettings",
    "SignInCode",
    "StaleVersionError",
    "StreamConfig",
    "data_dir",
    "minor_digits",
    "models",
    "platform_factories",
    "platform_factory",
    "resource",
    "self_command",
    "setting",
    "spawn",
    "tr",
    "tr_noop",
]
