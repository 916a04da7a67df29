"""The names LiveDesk gives what it creates in OBS: its scene set and its own inputs.

OBS identifies scenes and inputs by name, so these are how the set-up, "use this camera in OBS",
the OBS panel and the tests find them again; change one and existing scene collections no longer
match.
"""

from __future__ import annotations

SCENE_FULL = "主播全景"  # host full view
SCENE_CLOSEUP = "商品特写"  # product close-up
SCENE_PIP = "画中画"  # picture in picture
SCENES = (SCENE_FULL, SCENE_CLOSEUP, SCENE_PIP)
SCENE_STANDBY = (
    "备用画面"  # standby: the 「马上回来」 card over the camera, overlays kept (failover)
)
CAMERA = "LiveDesk 摄像头"  # the host camera (主机位): the name from before camera roles
CAMERA_CLOSEUP = "LiveDesk 特写摄像头"  # the close-up camera (商品特写), when one is set
CAMERA_STANDBY = "LiveDesk 备用摄像头"  # the standby camera (备用), when one is set
BACKGROUND = "LiveDesk 背景"
STANDBY_CARD = "LiveDesk 备用底色"
STANDBY_TEXT = "LiveDesk 马上回来"
