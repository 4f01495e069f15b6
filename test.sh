#!/usr/bin/env bash
# Runs every test of the solution. Installs and starts what the tests need when it is missing
# (Debian packages via apt-get, when running as root), then runs `dotnet test` on Yamori.slnx.
# Exits non-zero on any failure. The last line sums the run: "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")"

# Test data lives outside the repository (../shared/data); tests skip with a message when absent.
export YAMORI_SIGMAHQ="${YAMORI_SIGMAHQ:-$(cd .. && pwd)/shared/data/sigmahq}"
# Test artifacts (the console's screenshots from a real browser) land here, outside the build output.
export YAMORI_ARTIFACTS="${YAMORI_ARTIFACTS:-$(pwd)/artifacts}"

need_pkgs=()
# libevtx's evtxexport is the independent reference the EVTX decoder is compared with.
command -v evtxexport >/dev/null 2>&1 || need_pkgs+=(libevtx-utils)
# The agent's isolation tests drive nftables inside network namespaces (ip netns).
command -v nft >/dev/null 2>&1 || need_pkgs+=(nftables)
command -v ip >/dev/null 2>&1 || need_pkgs+=(iproute2)
# The agent's logon tests fail real su, sudo and ssh logins and read what rsyslogd, sshd and login write.
[ -x /usr/sbin/rsyslogd ] || need_pkgs+=(rsyslog)
[ -x /usr/sbin/sshd ] || need_pkgs+=(openssh-server)
command -v sshpass >/dev/null 2>&1 || need_pkgs+=(sshpass)
command -v sudo >/dev/null 2>&1 || need_pkgs+=(sudo)
# The console's browser tests drive Debian's Chromium through Playwright (never a downloaded
# browser); Japanese text needs the Noto CJK fonts to render in their screenshots.
[ -x /usr/bin/chromium ] || need_pkgs+=(chromium)
[ -d /usr/share/fonts/opentype/noto ] || need_pkgs+=(fonts-noto-cjk)
# The Linux agent ships as a Native AOT binary, which links with the system's C toolchain.
command -v clang >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1 || need_pkgs+=(gcc libc6-dev)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_pkgs[@]}"
  else
    echo "test.sh: missing packages ${need_pkgs[*]}; run as root to install them" >&2
  fi
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Publish the agent for linux-x64 as it ships (Native AOT) so a test runs that very binary
# (PublishedAgentTests); the publish itself counts as a test.
aot_ok=1
if dotnet publish src/Yamori.Agent/Yamori.Agent.csproj -c Release -r linux-x64 -o "$YAMORI_ARTIFACTS/agent-linux-x64" --nologo -v q >"$log" 2>&1; then
  export YAMORI_AGENT_BINARY="$YAMORI_ARTIFACTS/agent-linux-x64/yamori-agent"
  echo "linux-x64 Native AOT publish of yamori-agent: ok ($(du -h "$YAMORI_AGENT_BINARY" | cut -f1))"
else
  cat "$log"
  echo "linux-x64 Native AOT publish of yamori-agent: FAILED"
  aot_ok=0
fi

dotnet test Yamori.slnx -c Release --nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# Sum the per-assembly totals that `dotnet test` prints ("Passed!  - Failed: 0, Passed: 193, Skipped: 1, …").
read -r passed failed skipped < <(awk '
  /(Passed|Failed)! +- +Failed: / {
    for (i = 1; i <= NF; i++) {
      if ($i == "Failed:")  { gsub(",", "", $(i+1)); f += $(i+1) }
      if ($i == "Passed:")  { gsub(",", "", $(i+1)); p += $(i+1) }
      if ($i == "Skipped:") { gsub(",", "", $(i+1)); s += $(i+1) }
    }
  }
  END { printf "%d %d %d\n", p, f, s }' "$log")

if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # The build or the test host failed before any test could report: count it as a failure.
  failed=1
fi
if [ "$aot_ok" -eq 1 ]; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
  status=1
fi

# The agent's Windows code path (event-log subscription, P/Invoke to wevtapi) cannot run here, but it
# must compile for Windows: build it for win-x64 after the tests (it shares their output folders).
if dotnet build src/Yamori.Agent/Yamori.Agent.csproj -c Release -r win-x64 --nologo -v q >"$log" 2>&1; then
  echo "win-x64 build of yamori-agent: ok"
  passed=$((passed + 1))
else
  cat "$log"
  echo "win-x64 build of yamori-agent: FAILED"
  failed=$((failed + 1))
  status=1
fi
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
