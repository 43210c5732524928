#!/usr/bin/env bash
# (From the feasibility study in the shared tools, proven on this kind of machine: about 1 s to an
# idle node. Used by tests/cli/test_sweep_slurm.sh and examples/runbooks/sweep-on-slurm.md.)
# start-local-slurm.sh — stand up a throw-away single-node Slurm cluster
# (munged + slurmctld + slurmd, all on this host) for integration tests.
#
# Needs: root, Debian packages `slurmctld slurmd slurm-client munge`
#        (install with --no-install-recommends; see README.md beside this file).
# Does NOT need systemd, cgroups, Docker, DNS or network access.
#
# Everything lives under $SLURM_LOCAL_DIR (default ${TMPDIR:-/tmp}/local-slurm):
#   etc/slurm.conf   the generated config (export SLURM_CONF to use it)
#   env.sh           `source` it to get SLURM_CONF for sbatch/squeue/sinfo
#   munge/           munge key, socket, pid, log   (owned by the munge user)
#   state/ spool/    slurmctld state, slurmd spool
#   log/             slurmctld.log slurmd.log
#   run/             pid files read by stop-local-slurm.sh
#
# Knobs (environment): SLURM_LOCAL_DIR, SLURM_LOCAL_CTLD_PORT (6817),
#   SLURM_LOCAL_SLURMD_PORT (6818), SLURM_LOCAL_NODE (node name, default
#   `hostname -s`; it need not resolve), SLURM_LOCAL_WAIT (seconds to wait for the
#   node to become idle, default 60), SLURM_LOCAL_MIN_JOB_AGE (seconds a
#   finished job stays visible to squeue/sbatch --wait, default 5).
#
# Usage:  sudo ./start-local-slurm.sh && source "$SLURM_LOCAL_DIR/env.sh"
set -euo pipefail

DIR=${SLURM_LOCAL_DIR:-${TMPDIR:-/tmp}/local-slurm}
CTLD_PORT=${SLURM_LOCAL_CTLD_PORT:-6817}
SLURMD_PORT=${SLURM_LOCAL_SLURMD_PORT:-6818}
WAIT=${SLURM_LOCAL_WAIT:-60}
MIN_JOB_AGE=${SLURM_LOCAL_MIN_JOB_AGE:-5}

log() { printf '[start-local-slurm %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (slurmd must be root to launch jobs)"
for b in munged slurmctld slurmd sinfo scontrol; do
  command -v "$b" >/dev/null || die "$b not found: apt-get install --no-install-recommends slurmctld slurmd slurm-client munge"
done
id munge >/dev/null 2>&1 || die "no 'munge' user (the munge package creates it)"

# On any failure after this point, stop whatever this run already started.
STOP="$(cd "$(dirname "$0")" && pwd)/stop-local-slurm.sh"
started=0
on_exit() {
  local rc=$?
  if [ "$rc" -ne 0 ] && [ "$started" = 1 ] && [ -x "$STOP" ]; then
    log "start failed (rc=$rc); stopping what was started (logs kept in $DIR/log)"
    SLURM_LOCAL_DIR="$DIR" "$STOP" || true
  fi
}
trap on_exit EXIT

# Refuse to start over a cluster that is still running from this directory.
for p in "$DIR"/run/*.pid "$DIR"/munge/munged.pid; do
  [ -f "$p" ] || continue
  pid=$(cat "$p" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    die "$p says pid $pid is still running; run stop-local-slurm.sh first"
  fi
done

# Ports must be free (slurmctld dies with "Address already in use" otherwise).
for port in "$CTLD_PORT" "$SLURMD_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "port $port on 127.0.0.1 is in use; set SLURM_LOCAL_CTLD_PORT / SLURM_LOCAL_SLURMD_PORT"
  fi
done

# ---------------------------------------------------------------- layout
# Keep the munge key across restarts (if the dir already exists), wipe the rest
# so every start is from a clean slurm state.
case "$DIR" in /|"") die "refusing SLURM_LOCAL_DIR='$DIR'" ;; esac
rm -rf "${DIR:?}/state" "${DIR:?}/spool" "${DIR:?}/log" "${DIR:?}/run" "${DIR:?}/etc"
mkdir -p "$DIR"/{etc,state,spool,log,run,munge}
chmod 0755 "$DIR"          # munged rejects world-writable parents w/o sticky bit
chown root:root "$DIR"
chown munge:munge "$DIR/munge"
chmod 0755 "$DIR/munge"   # munged wants o+x on the socket dir; the key itself is 0400
rm -f "$DIR/munge/munge.socket.2" "$DIR/munge/munge.socket.2.lock" "$DIR/munge/munged.pid"

# ---------------------------------------------------------------- munge
KEY="$DIR/munge/munge.key"
if [ ! -s "$KEY" ]; then
  log "creating munge key $KEY"
  if command -v mungekey >/dev/null; then
    runuser -u munge -- mungekey --create --keyfile="$KEY"
  else
    dd if=/dev/urandom of="$KEY" bs=1 count=1024 status=none
  fi
fi
chown munge:munge "$KEY"; chmod 0400 "$KEY"

SOCK="$DIR/munge/munge.socket.2"
started=1
log "starting munged (socket $SOCK)"
# munged forks and writes its pid file itself.  Run it as the munge user:
# that is how the packaged service runs it, and no --force is needed.
runuser -u munge -- munged \
  --socket="$SOCK" --key-file="$KEY" \
  --pid-file="$DIR/munge/munged.pid" --log-file="$DIR/munge/munged.log" \
  --seed-file="$DIR/munge/munged.seed"
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
[ -S "$SOCK" ] || die "munged did not create $SOCK; see $DIR/munge/munged.log"
# copy the pid file where the stop script looks for all pid files
cp "$DIR/munge/munged.pid" "$DIR/run/munged.pid"
if command -v munge >/dev/null && command -v unmunge >/dev/null; then
  munge -S "$SOCK" -n | unmunge -S "$SOCK" >/dev/null || die "munge round-trip failed"
fi

# ---------------------------------------------------------------- slurm.conf
# slurmctld refuses to run unless SlurmctldHost names *this* host
# ("This host (x/x) not a valid controller"), so that is always the short
# hostname; the address in brackets means it never has to resolve.
CTLD_HOST=$(hostname -s 2>/dev/null || hostname)
[ -n "$CTLD_HOST" ] || die "empty hostname"
NODE=${SLURM_LOCAL_NODE:-$CTLD_HOST}
CPUS=$(nproc)
# Use slurmd's own view of the topology when it agrees with nproc (avoids a
# harmless "Node configuration differs from hardware" warning); otherwise
# declare just CPUs=nproc (config_overrides below makes slurmd accept it).
TOPO="CPUs=${CPUS}"
HW=$(slurmd -C 2>/dev/null | head -n1 || true)
if printf '%s' "$HW" | grep -q " CPUs=${CPUS} "; then
  TOPO=$(printf '%s' "$HW" | grep -oE '(CPUs|Boards|SocketsPerBoard|CoresPerSocket|ThreadsPerCore)=[0-9]+' | tr '\n' ' ')
fi
MEM_MB=$(awk '/^MemTotal:/ {print int($2/1024)}' /proc/meminfo)
MEM_MB=$(( MEM_MB * 9 / 10 ))   # under-declare: a node claiming more than it has is drained

cat >"$DIR/etc/slurm.conf" <<EOF
# generated by start-local-slurm.sh — single-node test cluster, no accounting
ClusterName=localci
# NodeAddr / controller address are pinned to 127.0.0.1 so no DNS or
# /etc/hosts entry for the hostname is needed.
SlurmctldHost=${CTLD_HOST}(127.0.0.1)
SlurmctldPort=${CTLD_PORT}
SlurmdPort=${SLURMD_PORT}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=${SOCK}
StateSaveLocation=${DIR}/state
SlurmdSpoolDir=${DIR}/spool
SlurmctldPidFile=${DIR}/run/slurmctld.pid
SlurmdPidFile=${DIR}/run/slurmd.pid
SlurmctldLogFile=${DIR}/log/slurmctld.log
SlurmdLogFile=${DIR}/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# no cgroups (containers / gVisor / no systemd): plain /proc tracking
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
MpiDefault=none
MailProg=/bin/true
SchedulerType=sched/backfill
# start array tasks as soon as a CPU frees (default batch_sched_delay=3 s gives
# 3-s 'waves' of tasks)
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0,bf_interval=1
SelectType=select/cons_tres
# CPUs only (no memory tracking) so array tasks pack one per CPU
SelectTypeParameters=CR_CPU
# trust the numbers below even if slurmd sees a different topology
SlurmdParameters=config_overrides
ReturnToService=2
MaxArraySize=100001
MaxJobCount=100000
# sbatch --wait polls after 2 s, then multiplies its sleep by 4 (cap 32 s)
# while sleep < MinJobAge/2: with the default 300 it polls at 2, 10, 42, 74 s
# (an 11-s array took 42 s).  MinJobAge<=5 keeps it polling every 2 s.
MinJobAge=${MIN_JOB_AGE}
KillWait=5
SlurmdTimeout=60
SlurmctldTimeout=60
InactiveLimit=0
Waittime=0
NodeName=${NODE} NodeAddr=127.0.0.1 NodeHostname=${CTLD_HOST} ${TOPO} RealMemory=${MEM_MB} State=UNKNOWN
PartitionName=debug Nodes=${NODE} Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
# PlugStackConfig defaults to <dir of slurm.conf>/plugstack.conf; missing is fine.

cat >"$DIR/env.sh" <<EOF
export SLURM_CONF=${DIR}/etc/slurm.conf
export SLURM_LOCAL_DIR=${DIR}
EOF
export SLURM_CONF="$DIR/etc/slurm.conf"

# ---------------------------------------------------------------- daemons
# Both daemonise by default and write the pid files named in slurm.conf.
# -i: ignore (there is none) saved state; -c: clear job/partition state.
log "starting slurmctld"
slurmctld -f "$SLURM_CONF" -c -i || die "slurmctld failed; see $DIR/log/slurmctld.log"
log "starting slurmd (node $NODE, $CPUS CPUs, ${MEM_MB} MB)"
slurmd -f "$SLURM_CONF" -N "$NODE" || die "slurmd failed; see $DIR/log/slurmd.log"

# ---------------------------------------------------------------- wait for idle
deadline=$(( $(date +%s) + WAIT ))
state=""
while :; do
  state=$(timeout 5 sinfo -h -n "$NODE" -o '%t' 2>/dev/null | head -n1 || true)
  [ "$state" = idle ] && break
  if [ "$(date +%s)" -ge "$deadline" ]; then
    log "node state after ${WAIT}s: '${state}'"
    tail -n 20 "$DIR/log/slurmctld.log" "$DIR/log/slurmd.log" >&2 || true
    die "node $NODE did not become idle"
  fi
  sleep 0.5
done
log "node $NODE is idle; cluster ready.  source $DIR/env.sh"
echo "$DIR/env.sh"
