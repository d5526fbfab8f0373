# Sourced by the provision scripts: `need_go <part> <what>` returns when Go is on PATH, and otherwise stops with
# what to do. Go is needed only when something is not cached yet, so a warm machine runs without it.
need_go() {
  command -v go >/dev/null 2>&1 && return
  echo "testenv/$1: Go is not installed, and the integration tests need it to build $2." >&2
  echo "Install Go 1.26 or newer (https://go.dev/doc/install, or actions/setup-go in CI), put 'go' on PATH, and run this again." >&2
  exit 1
}
