"""The first-run guide 新手引导: platform, OBS, camera, team — each step skippable.

Shown once, at the first start of a fresh config dir (``ui.first_run_done`` unset; a settings file
from before the guide counts as a known user: app/settings.py), and again whenever the operator
picks 帮助 → 新手引导 or starts ``livedesk --first-run``. :func:`guide_wanted` is the launcher's
decision: never when nobody can answer it — a ``--screenshot`` run, or a Qt platform that shows
nothing (offscreen/minimal: tests, CI, a headless smoke run) — unless ``--first-run`` forces it
or a guide someone is answering continues after a platform switch.

The guide is non-modal over the console (the console works behind it) and reuses what the menus
open, never a copy: the platform step switches through the same path as 平台 → 连接平台…
(ui/platform/switch.py ``ConnectControls.switch_to``; another platform than the running one opens
the connection dialog first, preselected), the OBS step reads the link's state the health bar
shows (``ObsConnection.tracker``: found / not found, with the steps to enable obs-websocket in
OBS 28+) and opens 设备 → OBS 连接设置…, the camera step opens 设备 → 摄像头设置…, the team step
the invite and join dialogs (平台 → 邀请场控/复盘… / 加入房间…). Each page names that menu entry.

Guarantees: 完成, 跳过引导 or closing the guide sets ``first_run_done`` (saved at once); a page's
跳过此步 goes on without acting. A platform switch closes this window: the guide then remembers
the page to continue on (``ui.first_run_page``) and the next window opens it there; quitting the
console with the guide open leaves it unfinished (shown at the next start). Texts are plain text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app.aio import spawn
from app.i18n import tr_noop
from app.obs.errors import ObsError
from app.platform.connection import ConnectionStatus, LinkState
from app.platform.credentials import SANDBOX
from app.platform.fields import display_name, factory_note
from app.platform.registry import platform_factories
from ui import theme
from ui.i18n import tr
from ui.lifetime import unsubscribe_on_destroy
from ui.platform.connect_dialog import Choice, ConnectDialog

if TYPE_CHECKING:
    from ui.context import ConsoleContext
    from ui.platform.switch import ConnectControls
    from ui.team.install import TeamControls

#: Qt platforms on which no one sees a window: the guide never opens there by itself
NOBODY_SEES = frozenset({"offscreen", "minimal"})
PAGES = ("platform", "obs", "camera", "team")
SKIP_BUTTON = QWizard.WizardButton.CustomButton1


def guide_wanted(settings: Any, *, forced: bool = False, screenshot: bool = False) -> bool:
    """Should the launcher open the guide over a new window? ``forced``: ``--first-run``."""
    if forced:
        return True
    if screenshot:
        return False
    if settings.ui.first_run_page:  # a guide someone was answering goes on in the next window
        return True
    if QGuiApplication.platformName() in NOBODY_SEES:
        return False
    return not settings.ui.first_run_done


def _text(parent: QWidget, text: str, name: str = "", style: str = "") -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    if name:
        label.setObjectName(name)
    if style:
        label.setStyleSheet(style)
    return label


def _where(parent: QWidget, text: str) -> QLabel:
    """The page's own menu entry, in muted text at its foot."""
    return _text(parent, text, "guideMenuHint", theme.text_style(theme.MUTED))


class _Page(QWizardPage):
    """One step of the guide: its title (retranslated with the language) above a plain-text
    introduction; the page adds its own widgets to ``lay``."""

    def __init__(self, guide: FirstRunGuide, name: str, title_key: str, intro: str) -> None:
        super().__init__(guide)
        self.guide = guide
        self.setObjectName(f"guide:{name}")
        self.title_key = title_key
        self.setTitle(tr(title_key))
        self.lay = QVBoxLayout(self)
        self.lay.addWidget(_text(self, intro))


class PlatformPage(_Page):
    """Which platform: the built-in sandbox to rehearse, or a real one."""

    def __init__(self, guide: FirstRunGuide) -> None:
        super().__init__(
            guide,
            "platform",
            tr_noop("第 1 步 · 选择直播平台"),
            tr(
                "LiveDesk 连接一个直播平台，在这里显示评论、礼物、订单和数据。第一次用，"
                "建议先在内置沙盒里彩排：观众、评论和订单都是模拟的，不是真实直播间。"
                "准备好了再连接真实平台。"
            ),
        )
        lay = self.lay
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QRadioButton] = {}
        for name, factory in platform_factories().items():
            button = QRadioButton(display_name(factory), self)
            button.setObjectName(f"guidePlatform:{name}")
            self.group.addButton(button)
            self.buttons[name] = button
            lay.addWidget(button)
            note = factory_note(factory)
            if note:
                hint = _text(self, note, style=theme.text_style(theme.WARNING_STRONG))
                hint.setContentsMargins(24, 0, 0, 0)
                lay.addWidget(hint)
        self.current = _text(
            self, "", "guideCurrentPlatform", theme.text_style(theme.OK, bold=True)
        )
        lay.addWidget(self.current)
        lay.addWidget(
            _text(
                self,
                tr(
                    "选了另一个平台后点「下一步」：先打开「连接平台」对话框，填写该平台需要的"
                    "信息并连接，中控台随即切换到该平台，本引导在新窗口里继续。"
                ),
            )
        )
        lay.addStretch(1)
        lay.addWidget(_where(self, tr("以后可在 平台 → 连接平台… 中更换平台。")))

    def initializePage(self) -> None:
        self.show_current()
        button = self.buttons.get(self.guide.running_platform) or self.buttons.get(SANDBOX)
        if button is not None:
            button.setChecked(True)

    def show_current(self) -> None:
        running = self.guide.running_platform
        factories = platform_factories()
        name = display_name(factories[running]) if running in factories else running
        self.current.setText(tr("现在连接的是：{platform}").format(platform=name))

    @property
    def chosen(self) -> str:
        for name, button in self.buttons.items():
            if button.isChecked():
                return name
        return self.guide.running_platform

    def validatePage(self) -> bool:
        chosen = self.chosen
        if self.guide.skipping or chosen == self.guide.running_platform:
            return True
        if chosen == SANDBOX:  # the built-in one: nothing to enter
            self.guide.switch_to(Choice(SANDBOX))
            return False
        dialog = ConnectDialog(self.guide.ctx.settings, self.guide, current=chosen)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.guide.switch_to(dialog.choice()))
        self.guide.connect_dialog = dialog
        dialog.open()
        return False  # the page stays until the console switched (this window then closes)


class ObsPage(_Page):
    """OBS found or not, and how to enable obs-websocket when not."""

    def __init__(self, guide: FirstRunGuide, open_obs_settings: Callable[[], None]) -> None:
        super().__init__(
            guide,
            "obs",
            tr_noop("第 2 步 · 连接 OBS"),
            tr(
                "LiveDesk 通过 OBS 自带的 obs-websocket 切换场景、开关推流和录制、"
                "把讲解卡和抽奖结果放到画面上。不用 OBS 也可以跳过这一步。"
            ),
        )
        lay = self.lay
        self.status = _text(self, "", "guideObsStatus")
        lay.addWidget(self.status)
        self.steps = _text(self, "", "guideObsSteps")
        self.steps.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.steps)
        row = QHBoxLayout()
        self.settings_button = QPushButton(tr("OBS 连接设置…"), self)
        self.settings_button.setObjectName("guideObsSettings")
        self.settings_button.clicked.connect(open_obs_settings)
        self.settings_button.setEnabled(guide.ctx.obs is not None)
        self.retry_button = QPushButton(tr("重新检测"), self)
        self.retry_button.setObjectName("guideObsRetry")
        self.retry_button.clicked.connect(self.retry)
        self.retry_button.setEnabled(guide.ctx.obs is not None)
        row.addWidget(self.settings_button)
        row.addWidget(self.retry_button)
        row.addStretch(1)
        lay.addLayout(row)
        lay.addStretch(1)
        lay.addWidget(_where(self, tr("以后可在 设备 → OBS 连接设置… 中修改地址、端口和密码。")))
        obs = guide.ctx.obs
        if obs is not None:
            unsubscribe = obs.conn.tracker.subscribe(lambda _s: self.refresh())
            unsubscribe_on_destroy(self, unsubscribe)
        self.refresh()

    @property
    def found(self) -> bool:
        obs = self.guide.ctx.obs
        return obs is not None and obs.conn.tracker.status.state is LinkState.CONNECTED

    def refresh(self, _status: ConnectionStatus | None = None) -> None:
        if not shiboken6.isValid(self):
            return
        o = self.guide.ctx.settings.obs
        where = f"{o.host}:{o.port}"
        if self.found:
            self.status.setText(tr("✓ 已找到 OBS（{where}），已连接。").format(where=where))
            self.status.setStyleSheet(theme.text_style(theme.OK, bold=True))
            self.steps.setVisible(False)
            return
        if self.guide.ctx.obs is None:
            text = tr("中控台没有连接 OBS：设置里关闭了 OBS 连接。")
        else:
            text = tr("✗ 未找到 OBS：{where} 上没有 obs-websocket 应答。").format(where=where)
        self.status.setText(text)
        self.status.setStyleSheet(theme.text_style(theme.DANGER, bold=True))
        self.steps.setText(
            tr(
                "在 OBS 里开启 obs-websocket（OBS 28 及以上已自带）：\n"
                "1. 打开 OBS Studio，菜单 工具 → WebSocket 服务器设置\n"
                "2. 勾选「开启 WebSocket 服务器」\n"
                "3. 服务器端口填 {port}\n"
                "4. 勾选「开启身份验证」，点「显示连接信息」复制服务器密码\n"
                "5. 回到 LiveDesk：设备 → OBS 连接设置…，填入端口 {port} 和密码，点 确定"
            ).format(port=o.port)
        )
        self.steps.setVisible(True)

    def retry(self) -> None:
        """Try OBS again now (the link otherwise retries on its own, with growing pauses)."""
        obs = self.guide.ctx.obs
        if obs is None:
            return
        from app.obs.stack import PASSWORD_SECRET
        from app.secrets import get_secret

        o = self.guide.ctx.settings.obs

        async def again() -> None:
            try:
                await obs.reconnect(o.host, o.port, get_secret(PASSWORD_SECRET) or "")
            except (ObsError, OSError):
                pass  # the status line says what the link's state is

        spawn(again(), name="guide-obs-retry")


class CameraPage(_Page):
    def __init__(self, guide: FirstRunGuide, open_camera: Callable[[], None]) -> None:
        super().__init__(
            guide,
            "camera",
            tr_noop("第 3 步 · 检查摄像头"),
            tr(
                "打开摄像头检查：看到自己的画面，选好分辨率和帧率；摄像头被别的程序占用或"
                "没有权限时，这里会说明原因。需要时可以直接把它加到 OBS 场景里。"
            ),
        )
        lay = self.lay
        button = QPushButton(tr("检查摄像头…"), self)
        button.setObjectName("guideCamera")
        button.clicked.connect(open_camera)
        lay.addWidget(button, 0, Qt.AlignmentFlag.AlignLeft)
        lay.addStretch(1)
        lay.addWidget(_where(self, tr("以后可在 设备 → 摄像头设置… 中再次检查。")))


class TeamPage(_Page):
    def __init__(self, guide: FirstRunGuide, team: TeamControls) -> None:
        super().__init__(
            guide,
            "team",
            tr_noop("第 4 步 · 和团队一起直播"),
            tr(
                "一个人也能直播。有场控或复盘同事时：主播点「邀请场控/复盘…」，把邀请发给"
                "同事；同事在自己的 LiveDesk 里点「加入房间…」，粘贴邀请即可连接同一个直播间。"
            ),
        )
        lay = self.lay
        row = QHBoxLayout()
        invite = QPushButton(tr("邀请场控/复盘…"), self)
        invite.setObjectName("guideInvite")
        invite.clicked.connect(team.open_invite)
        invite.setEnabled(team.invite_action.isEnabled())
        if not invite.isEnabled():
            invite.setToolTip(tr("只有主播可以邀请"))
        join = QPushButton(tr("加入房间…"), self)
        join.setObjectName("guideJoin")
        join.clicked.connect(team.open_join)
        row.addWidget(invite)
        row.addWidget(join)
        row.addStretch(1)
        lay.addLayout(row)
        lay.addStretch(1)
        lay.addWidget(
            _where(
                self,
                tr(
                    "以后可在 平台 → 邀请场控/复盘… 和 平台 → 加入房间… 中找到。"
                    "本引导随时可在 帮助 → 新手引导 再次打开。"
                ),
            )
        )


class FirstRunGuide(QWizard):
    """The guide over one console window (see the module's guarantees)."""

    def __init__(
        self,
        ctx: ConsoleContext,
        connect: ConnectControls,
        team: TeamControls,
        *,
        open_camera: Callable[[], None],
        open_obs_settings: Callable[[], None],
    ) -> None:
        super().__init__(ctx.window)
        self.ctx = ctx
        self.switcher = connect
        self.skipping = False
        self.leaving = False  # closed because the window closes for another platform
        self.connect_dialog: ConnectDialog | None = None
        self.setObjectName("firstRunGuide")
        self.setWindowTitle(tr("新手引导"))
        self.setWindowModality(Qt.WindowModality.NonModal)
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.HaveCustomButton1, True)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self._name_buttons()
        self.customButtonClicked.connect(lambda _which: self.skip_step())
        self.pages: dict[str, QWizardPage] = {
            "platform": PlatformPage(self),
            "obs": ObsPage(self, open_obs_settings),
            "camera": CameraPage(self, open_camera),
            "team": TeamPage(self, team),
        }
        for i, key in enumerate(PAGES):
            self.setPage(i, self.pages[key])
        self.finished.connect(self._done)
        self.currentIdChanged.connect(self._page_changed)
        self.resize(760, 560)

    def _name_buttons(self) -> None:
        self.setButtonText(SKIP_BUTTON, tr("跳过此步"))
        self.setButtonText(QWizard.WizardButton.NextButton, tr("下一步"))
        self.setButtonText(QWizard.WizardButton.BackButton, tr("上一步"))
        self.setButtonText(QWizard.WizardButton.FinishButton, tr("完成"))
        self.setButtonText(QWizard.WizardButton.CancelButton, tr("跳过引导"))

    def retranslate(self) -> None:
        """After a live language switch (ui/i18n.py): titles, buttons and formatted lines."""
        self._name_buttons()
        for page in self.pages.values():
            page.setTitle(tr(getattr(page, "title_key", "")))
        platform = self.pages["platform"]
        obs = self.pages["obs"]
        if isinstance(platform, PlatformPage):
            platform.show_current()
        if isinstance(obs, ObsPage):
            obs.refresh()

    @property
    def running_platform(self) -> str:
        return self.switcher.current or self.ctx.settings.platform.adapter

    @property
    def page_key(self) -> str:
        index = self.currentId()
        return PAGES[index] if 0 <= index < len(PAGES) else PAGES[0]

    def begin_at(self, key: str) -> None:
        """Open on page ``key`` (one of :data:`PAGES`; anything else: the first)."""
        self.setStartId(PAGES.index(key) if key in PAGES else 0)
        self.restart()

    def skip_step(self) -> None:
        """跳过此步: the next page without acting on this one (the last: the guide is done)."""
        if self.currentId() == len(PAGES) - 1:
            self.accept()
            return
        self.skipping = True
        try:
            self.next()
        finally:
            self.skipping = False

    def switch_to(self, choice: Choice) -> None:
        """The platform page's choice: the same switch as 平台 → 连接平台… (asks first while
        live; this window then closes and the next one continues the guide)."""
        self.switcher.switch_to(choice)

    def window_closing(self) -> None:
        """The console window closes: for another platform the guide continues in the next
        window (on the page after the platform page); otherwise it stays unfinished."""
        if not self.isVisible():
            return
        if self.switcher.requested is not None:
            page = self.page_key
            self.ctx.settings.ui.first_run_page = "obs" if page == "platform" else page
        self.leaving = True
        self.close()

    def _page_changed(self, index: int) -> None:
        # the last page has 完成: 跳过此步 there would say the same
        self.button(SKIP_BUTTON).setVisible(index != len(PAGES) - 1)

    def _done(self, _result: int) -> None:
        if self.leaving:
            return
        ui = self.ctx.settings.ui
        ui.first_run_done = True
        ui.first_run_page = ""
        self.ctx.save_settings()


class GuideControls:
    """帮助 → 新手引导 and the guide it opens (one at a time per window)."""

    def __init__(
        self,
        ctx: ConsoleContext,
        menu: QMenu,
        connect: ConnectControls,
        team: TeamControls,
        *,
        open_camera: Callable[[], None],
        open_obs_settings: Callable[[], None],
    ) -> None:
        self.ctx = ctx
        self.switcher = connect
        self.team = team
        self.open_camera = open_camera
        self.open_obs_settings = open_obs_settings
        self.guide: FirstRunGuide | None = None
        self.action = QAction(tr("新手引导"), ctx.window)
        self.action.setObjectName("action:first-run")
        self.action.triggered.connect(lambda: self.open())
        menu.addAction(self.action)
        closed = getattr(ctx.window, "closed", None)
        if closed is not None:
            closed.connect(self._window_closed)

    def open(self, page: str = "") -> FirstRunGuide:
        """Show the guide (on ``page``, default the first), or bring the open one forward."""
        guide = self.guide
        if guide is None or not shiboken6.isValid(guide) or not guide.isVisible():
            guide = FirstRunGuide(
                self.ctx,
                self.switcher,
                self.team,
                open_camera=self.open_camera,
                open_obs_settings=self.open_obs_settings,
            )
            guide.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.guide = guide
            guide.begin_at(page)
            guide.show()
        elif QGuiApplication.platformName() not in NOBODY_SEES:  # there: "does not support"
            guide.raise_()
            guide.activateWindow()
        return guide

    def _window_closed(self) -> None:
        guide = self.guide
        if guide is not None and shiboken6.isValid(guide):
            guide.window_closing()


def install_guide(
    ctx: ConsoleContext,
    menu: QMenu,
    connect: ConnectControls,
    team: TeamControls,
    *,
    open_camera: Callable[[], None],
    open_obs_settings: Callable[[], None],
) -> GuideControls:
    """新手引导 in ``menu`` (the window's 帮助 menu)."""
    return GuideControls(
        ctx, menu, connect, team, open_camera=open_camera, open_obs_settings=open_obs_settings
    )
