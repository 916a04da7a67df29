"""OBS connection settings: host and port in settings (obs section), the password in the keyring.
"测试连接" tries once and shows the specific reason when it fails."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.aio import spawn
from app.obs.connection import ObsConnection
from app.obs.errors import ObsError
from app.obs.stack import PASSWORD_SECRET
from app.secrets import get_secret, set_secret
from app.settings import ObsSettings
from ui.i18n import localize, tr


class ObsSettingsDialog(QDialog):
    def __init__(self, settings: ObsSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("OBS 连接设置"))
        self.settings = settings
        self.host = QLineEdit(settings.host)
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(settings.port)
        self.password = QLineEdit(get_secret(PASSWORD_SECRET) or "")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(tr("OBS → 工具 → WebSocket 服务器设置 → 服务器密码"))
        self.outcome = QLabel()
        self.outcome.setWordWrap(True)
        self.outcome.setObjectName("obsTestResult")
        test = QPushButton(tr("测试连接"))
        test.clicked.connect(self.test_connection)
        form = QFormLayout()
        form.addRow(tr("主机"), self.host)
        form.addRow(tr("端口"), self.port)
        form.addRow(tr("密码"), self.password)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(test)
        layout.addWidget(self.outcome)
        layout.addWidget(buttons)

    def test_connection(self) -> None:
        self.outcome.setText(tr("正在连接…"))

        async def go() -> None:
            conn = ObsConnection(self.host.text().strip(), self.port.value(), self.password.text())
            try:
                version = await conn.connect_once()
                self.outcome.setText(
                    tr("连接成功：OBS {v}，obs-websocket {w}").format(
                        v=version.get("obsVersion", "?"), w=version.get("obsWebSocketVersion", "?")
                    )
                )
            except ObsError as exc:
                self.outcome.setText(tr("连接失败：{e}").format(e=localize(str(exc))))
            finally:
                await conn.stop()

        spawn(go(), name="obs-test-connection")

    def accept(self) -> None:
        self.settings.host = self.host.text().strip() or "127.0.0.1"
        self.settings.port = self.port.value()
        set_secret(PASSWORD_SECRET, self.password.text())
        super().accept()
