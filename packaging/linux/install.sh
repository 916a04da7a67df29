#!/bin/sh
# Install the built one-dir app for the current user (no root): ~/.local/opt/livedesk, the
# `livedesk` command in ~/.local/bin, the desktop entry, the icon and the session MIME type.
#   packaging/linux/install.sh [dist/livedesk]        (uninstall: packaging/linux/install.sh --remove)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
dist=${1:-$here/../../dist/livedesk}
data=${XDG_DATA_HOME:-$HOME/.local/share}
opt=$HOME/.local/opt/livedesk
if [ "${1:-}" = "--remove" ]; then
  rm -rf "$opt" "$HOME/.local/bin/livedesk" "$data/applications/livedesk.desktop" \
    "$data/applications/livedesk-replay.desktop"
  for s in 16 24 32 48 64 128 256 512; do rm -f "$data/icons/hicolor/${s}x${s}/apps/livedesk.png"; done
  rm -f "$data/mime/packages/livedesk.xml"
  update-mime-database "$data/mime" 2>/dev/null || true
  exit 0
fi
[ -x "$dist/livedesk" ] || { echo "no bundle at $dist (make bundle)" >&2; exit 1; }
# the bundle needs the glibc it was built against (Debian 12: 2.36) or newer
need=2.36
have=$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')
if [ -n "$have" ] && [ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | head -1)" != "$need" ]; then
  echo "glibc $have is older than $need: this LiveDesk build cannot run here" >&2; exit 1
fi
rm -rf "$opt"; mkdir -p "$opt" "$HOME/.local/bin" "$data/applications"
cp -a "$dist/." "$opt/"
ln -sf "$opt/livedesk" "$HOME/.local/bin/livedesk"
for s in 16 24 32 48 64 128 256 512; do
  mkdir -p "$data/icons/hicolor/${s}x${s}/apps"
  cp "$here/../icons/livedesk-$s.png" "$data/icons/hicolor/${s}x${s}/apps/livedesk.png"
done
for entry in livedesk livedesk-replay; do  # the app, and the replay a recording opens in
  sed "s|^Exec=livedesk|Exec=$opt/livedesk|; s|^TryExec=livedesk|TryExec=$opt/livedesk|" \
    "$here/$entry.desktop" > "$data/applications/$entry.desktop"
done
mkdir -p "$data/mime/packages"  # what `xdg-mime install` does, without needing xdg-utils
cp "$here/livedesk-mime.xml" "$data/mime/packages/livedesk.xml"
update-mime-database "$data/mime" 2>/dev/null || true
update-desktop-database "$data/applications" 2>/dev/null || true
echo "LiveDesk installed in $opt (start: livedesk, or LiveDesk in the applications menu)"
