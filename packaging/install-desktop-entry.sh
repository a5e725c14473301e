#!/usr/bin/env bash
# Install NarrLocal's desktop entry, icon and project-file MIME type for the CURRENT USER
# (under ${XDG_DATA_HOME:-~/.local/share}); no sudo. Running it again just refreshes the
# files, so it is safe to repeat after an update.
#
#   packaging/install-desktop-entry.sh                 # Exec=narrlocal-gui (must be on PATH)
#   packaging/install-desktop-entry.sh --exec /opt/narrlocal-gui/narrlocal-gui
#                                                      # e.g. the PyInstaller build
#   packaging/install-desktop-entry.sh --uninstall     # remove what was installed
set -euo pipefail

usage() {
    sed -n '2,9s/^# \{0,1\}//p' "$0"
}

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
data="${XDG_DATA_HOME:-$HOME/.local/share}"
program=""
uninstall=0

while [ $# -gt 0 ]; do
    case "$1" in
        --exec)
            [ $# -ge 2 ] || { echo "install-desktop-entry.sh: --exec needs a path" >&2; exit 2; }
            program="$2"
            shift 2
            ;;
        --uninstall) uninstall=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "install-desktop-entry.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done

entry="$data/applications/narrlocal.desktop"
icon_svg="$data/icons/hicolor/scalable/apps/narrlocal.svg"
icon_png="$data/icons/hicolor/256x256/apps/narrlocal.png"
mime_xml="$data/mime/packages/narrlocal.xml"

# Caches are refreshed only where the tools exist: a desktop without them rescans by itself.
refresh() {
    if command -v update-mime-database >/dev/null 2>&1; then
        update-mime-database "$data/mime" >/dev/null 2>&1 || true
    fi
    if command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database "$data/applications" >/dev/null 2>&1 || true
    fi
    if command -v gtk-update-icon-cache >/dev/null 2>&1 \
        && [ -f "$data/icons/hicolor/index.theme" ]; then
        gtk-update-icon-cache --quiet --force "$data/icons/hicolor" >/dev/null 2>&1 || true
    fi
}

if [ "$uninstall" -eq 1 ]; then
    rm -f -- "$entry" "$icon_svg" "$icon_png" "$mime_xml"
    refresh
    echo "Removed the NarrLocal desktop entry, icon and MIME type from $data"
    exit 0
fi

# Quote a program path for the Exec key (Desktop Entry Specification, "The Exec key"):
# inside double quotes, " ` $ \ are escaped with a backslash, and because the value is
# itself a desktop-file string, each backslash is then written twice. % is doubled.
exec_quote() {
    local s="$1"
    s="${s//\\/\\\\}"
    s="${s//\"/\\\"}"
    s="${s//\`/\\\`}"
    s="${s//\$/\\\$}"
    s="${s//\\/\\\\}"
    s="${s//%/%%}"
    printf '"%s"' "$s"
}

if [ -n "$program" ]; then
    case "$program" in
        /*) ;;
        *) program="$(cd "$(dirname "$program")" && pwd)/$(basename "$program")" ;;
    esac
    if [ ! -x "$program" ]; then
        echo "install-desktop-entry.sh: '$program' is not an executable file" >&2
        exit 2
    fi
    exec_line="Exec=$(exec_quote "$program") %f"
    # TryExec takes a plain path (a string, not a command line): only string escapes apply.
    tryexec_line="TryExec=${program//\\/\\\\}"
else
    exec_line="Exec=narrlocal-gui %f"
    tryexec_line="TryExec=narrlocal-gui"
fi

mkdir -p "$(dirname "$entry")" "$(dirname "$icon_svg")" "$(dirname "$icon_png")" \
    "$(dirname "$mime_xml")"

# Write to a temporary file and rename, so a desktop scanning the folder never sees half a file.
tmp="$(mktemp "$entry.XXXXXX")"
trap 'rm -f -- "$tmp"' EXIT
while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in
        Exec=*) printf '%s\n' "$exec_line" ;;
        TryExec=*) printf '%s\n' "$tryexec_line" ;;
        *) printf '%s\n' "$line" ;;
    esac
done < "$here/narrlocal.desktop" > "$tmp"
chmod 644 "$tmp"
mv -f -- "$tmp" "$entry"
trap - EXIT

install -m 644 "$repo/resources/icon.svg" "$icon_svg"
install -m 644 "$repo/resources/icon-256.png" "$icon_png"
install -m 644 "$here/narrlocal-mime.xml" "$mime_xml"
refresh

echo "Installed for $(id -un):"
echo "  $entry"
echo "  $icon_svg"
echo "  $icon_png"
echo "  $mime_xml"
