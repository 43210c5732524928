#!/usr/bin/env bash
# Installs the Debian 12 packages aiots needs, by profile:
#   setup-deps.sh          building and running (make, make demo)
#   setup-deps.sh --test   that plus the test tools (make test): Catch2, Google Benchmark,
#                          chromium for the report test, promtool, socat, shells for completions,
#                          and Slurm with munge for the sweep-on-Slurm test
#   setup-deps.sh --fuzz   that plus clang-14 and libFuzzer (make fuzz)
# Idempotent: when everything is present it only checks (well under a second) and exits 0.
# Works as root or through sudo. Prints what it installs.
set -euo pipefail

build=(
  # toolchain
  build-essential cmake pkg-config git
  # libraries the code links against
  libcli11-dev libboost-dev libboost-filesystem-dev libcurl4-openssl-dev
  libsqlite3-dev nlohmann-json3-dev libtomlplusplus-dev libssl-dev
  libfmt-dev libspdlog-dev libexpected-dev libhowardhinnant-date-dev zlib1g-dev tzdata
  # man pages are built with the binaries
  scdoc
)
test=(
  # unit tests and benchmarks; QuantLib is the options benchmarks' same-run baseline
  catch2 libbenchmark-dev libquantlib0-dev
  # CLI suites: the store by hand, completions in three shells, timing and peak memory
  sqlite3 bash-completion python3 zsh fish time
  # the HTML report test renders with headless chromium
  chromium
  # daemon tests: a raw socket client, and promtool to check the metrics exposition
  socat prometheus
  # the broker tests drive their fakes with curl and make a self-signed certificate with openssl
  curl openssl
  # the sweep test runs a real single-node Slurm (scripts/slurm/start-local-slurm.sh)
  slurmctld slurmd slurm-client munge
)
fuzz=(clang-14 libfuzzer-14-dev)

packages=("${build[@]}")
case "${1:-}" in
  "") ;;
  --test) packages+=("${test[@]}") ;;
  --fuzz) packages+=("${test[@]}" "${fuzz[@]}") ;;
  *) echo "usage: setup-deps.sh [--test|--fuzz]" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "setup-deps: all ${#packages[@]} packages present"
  exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
  sudo=()
elif command -v sudo >/dev/null; then
  sudo=(sudo)
else
  echo "setup-deps: need root or sudo to install: ${missing[*]}" >&2
  exit 1
fi

echo "setup-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
# Waits for another apt run instead of failing on its lock. The packages' postinst may not start
# daemons here (policy-rc.d); the Slurm test starts its own private ones.
"${sudo[@]}" apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}"
echo "setup-deps: done"
