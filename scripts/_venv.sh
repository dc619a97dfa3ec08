# shellcheck shell=bash
# Shared by scripts/dev and scripts/test (sourced, not run): the project's virtual environment.
#
#   MINESAFE_VENV    where the venv lives (default: .venv in the repository)
#   MINESAFE_EXTRAS  extras to install (default: dev,mobile,vision)
#   PYTHON           the interpreter that creates the venv (default: python3, 3.11 or newer)
#
# The setup is skipped when the venv's stamp matches pyproject.toml, the extras and the Python
# version, so a second run costs a fraction of a second.

MINESAFE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${MINESAFE_VENV:-$MINESAFE_ROOT/.venv}"
EXTRAS="${MINESAFE_EXTRAS-dev,mobile,vision}"
# torch and torchvision first, pinned: pip takes these builds from the machine's local wheels
TORCH_PINS=(torch==2.14.1 torchvision==0.29.1)

minesafe_log() { printf '[minesafe] %s\n' "$*" >&2; }

# =============================================================================================
# DEBIAN PACKAGES THE APP AND ITS TESTS NEED (Debian 12 names), installed when missing and root.
# Each part's engineer reports theirs; keep the list exact.
#   fonts-wqy-microhei        Chinese glyphs for the Kivy app (mobile/fonts.py) and the monthly PDF report
#   libegl1 libgl1-mesa-dri   SDL's offscreen video driver (the headless app tests)
#   libgl1 libglib2.0-0       OpenCV's cv2 (ultralytics pulls opencv-python next to the headless build)
#   poppler-utils             pdftoppm: the report tests render the monthly PDF to PNG
#   libmtdev1 xclip           Kivy's mtdev input and X cut buffer (the app starts without error lines)
MINESAFE_APT_PACKAGES=(
    fonts-wqy-microhei
    libegl1
    libgl1-mesa-dri
    libgl1
    libglib2.0-0
    poppler-utils
    libmtdev1
    xclip
)
# =============================================================================================

minesafe_install_system_packages() {
    local missing=() package
    command -v dpkg-query >/dev/null || return 0  # not Debian: install the equivalents by hand
    for package in "${MINESAFE_APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$package")
    done
    ((${#missing[@]})) || return 0
    if [[ "$(id -u)" != 0 ]]; then
        minesafe_log "missing Debian packages (install them as root): ${missing[*]}"
        return 0
    fi
    minesafe_log "apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

_minesafe_venv_wanted() {
    local python_version
    python_version="$("$VENV/bin/python" -c 'import sys; print(sys.version.split()[0])')"
    printf 'pyproject=%s extras=%s python=%s torch=%s\n' \
        "$(sha256sum "$MINESAFE_ROOT/pyproject.toml" | cut -d' ' -f1)" "$EXTRAS" "$python_version" \
        "${TORCH_PINS[*]}"
}

_minesafe_torch_ok() {
    "$VENV/bin/python" - "${TORCH_PINS[@]}" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
for pin in sys.argv[1:]:
    name, wanted = pin.split("==")
    if version(name).split("+")[0] != wanted:
        sys.exit(1)
PY
}

minesafe_setup_venv() {
    local python="${PYTHON:-python3}" stamp="$VENV/.minesafe-setup"
    if [[ -x "$VENV/bin/python" && -f "$stamp" ]] \
        && [[ "$(cat "$stamp")" == "$(_minesafe_venv_wanted)" ]] \
        && "$VENV/bin/python" -c 'import backend' 2>/dev/null; then
        return 0
    fi
    if [[ ! -x "$VENV/bin/python" ]]; then
        if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            minesafe_log "Python 3.11 or newer is needed as '$python' (set PYTHON=/path/to/python3.11)"
            return 1
        fi
        minesafe_log "creating the virtual environment in $VENV"
        "$python" -m venv "$VENV"
    fi
    local pip=("$VENV/bin/python" -m pip --disable-pip-version-check)
    if [[ ",$EXTRAS," == *,vision,* ]] && ! _minesafe_torch_ok; then
        minesafe_log "installing ${TORCH_PINS[*]}"
        "${pip[@]}" install "${TORCH_PINS[@]}"
    fi
    local target="$MINESAFE_ROOT"
    [[ -n "$EXTRAS" ]] && target="$MINESAFE_ROOT[$EXTRAS]"
    minesafe_log "installing minesafe (editable) with extras: ${EXTRAS:-none}"
    "${pip[@]}" install -e "$target"
    _minesafe_venv_wanted >"$stamp"
}
