; Inno Setup 6 script: LiveDesk's per-user Windows installer (no administrator rights, no UAC).
; Written, not run here (no Windows machine): see packaging/README.md, "Windows".
;   iscc /DAppVersion=0.1.0 /DDist=..\..\dist\livedesk packaging\windows\livedesk.iss
;   → dist\LiveDesk-0.1.0-setup.exe
; Silent install (CI, IT departments):  LiveDesk-0.1.0-setup.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART /CURRENTUSER
; Silent uninstall:  "%LOCALAPPDATA%\Programs\LiveDesk\unins000.exe" /VERYSILENT /SUPPRESSMSGBOXES
; The settings and recordings (%LOCALAPPDATA%\LiveDesk, platformdirs) are the user's: the
; uninstaller leaves them.

#ifndef AppVersion
  #error Pass /DAppVersion=<app.__version__>
#endif
#ifndef Dist
  #define Dist "..\..\dist\livedesk"
#endif

[Setup]
AppId={{6F1C2B0E-6C55-4C8A-9E0B-2D6B8E5A4C31}
AppName=LiveDesk
AppVerName=LiveDesk {#AppVersion}
AppVersion={#AppVersion}
AppPublisher=LiveDesk
VersionInfoVersion={#AppVersion}
DefaultDirName={localappdata}\Programs\LiveDesk
DefaultGroupName=LiveDesk
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=commandline
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\..\dist
OutputBaseFilename=LiveDesk-{#AppVersion}-setup
SetupIconFile=..\icons\livedesk.ico
UninstallDisplayIcon={app}\LiveDesk.exe
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; a running console holds its files: ask to close it (Restart Manager) before replacing them
CloseApplications=yes
ChangesAssociations=yes

[Languages]
Name: "zh"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
Name: "en"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Files]
; the whole one-dir bundle: LiveDesk.exe (windowed), livedesk-console.exe (support), _internal\
Source: "{#Dist}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; a previous version's modules must not linger beside the new ones
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\LiveDesk"; Filename: "{app}\LiveDesk.exe"; Comment: "LiveDesk 直播中控台"
; the self-check in a console that stays open (run directly, its window would close on exit
; before the streamer has read the report)
Name: "{autoprograms}\LiveDesk 自检 (selfcheck)"; Filename: "{cmd}"; Parameters: "/k ""{app}\livedesk-console.exe"" selfcheck"; IconFilename: "{app}\livedesk-console.exe"
Name: "{autodesktop}\LiveDesk"; Filename: "{app}\LiveDesk.exe"; Tasks: desktopicon

[Registry]
; the session recordings' file type (HKCU: per user): recordings end in ".livedesk"
; (app/session/schema.py SUFFIX), the extension after the last dot, which is what Explorer looks
; up. Double-clicking one runs "LiveDesk.exe replay -- <file>" (ui/replay/replay_command.py: the
; file's replay window; the "--" keeps a file named "-x" from being read as an option).
; Recordings named before ".livedesk" ("x.livedesk-session.sqlite") end in ".sqlite" for Explorer
; and are not associated: registering ".sqlite" would take over every SQLite file on the machine.
; They still open from LiveDesk's 复盘 (打开文件…) and from "LiveDesk.exe replay -- <file>".
Root: HKCU; Subkey: "Software\Classes\.livedesk"; ValueType: string; ValueData: "LiveDesk.Session"; Flags: uninsdeletevalue
Root: HKCU; Subkey: "Software\Classes\.livedesk"; ValueType: string; ValueName: "Content Type"; ValueData: "application/x-livedesk-session"; Flags: uninsdeletevalue
Root: HKCU; Subkey: "Software\Classes\LiveDesk.Session"; ValueType: string; ValueData: "LiveDesk session recording"; Flags: uninsdeletekey
Root: HKCU; Subkey: "Software\Classes\LiveDesk.Session\DefaultIcon"; ValueType: string; ValueData: """{app}\LiveDesk.exe"",0"
Root: HKCU; Subkey: "Software\Classes\LiveDesk.Session\shell\open\command"; ValueType: string; ValueData: """{app}\LiveDesk.exe"" replay -- ""%1"""

[Run]
Filename: "{app}\LiveDesk.exe"; Description: "{cm:LaunchProgram,LiveDesk}"; Flags: nowait postinstall skipifsilent
