#!/usr/bin/env bash
# Integration test: a sweep as a Slurm job array on a single-node Slurm brought up
# on localhost, merged, must equal a local run of the same sweep.
#
#   tests/slurm/test_slurm_sweep.sh AIMCSIM_BINARY SOURCE_DIR
#
# Starts munged (generated key), slurmctld and slurmd (proctrack/linuxproc,
# task/none, this host's name and CPU count, ports of their own on loopback) with
# every state, spool and log file in a temporary folder, and stops them all at the
# end, also on failure. Every wait is bounded. Needs root (installs slurm-wlm and
# munge with apt-get if missing); without root and without Slurm it is skipped (77).
set -euo pipefail

aimcsim=$(readlink -f "${1:?usage: $0 AIMCSIM_BINARY SOURCE_DIR}")
src=$(readlink -f "${2:?usage: $0 AIMCSIM_BINARY SOURCE_DIR}")
sbatch_script="$src/scripts/slurm/sweep.sbatch"

log() { echo "slurm-test: $*"; }

# --- prerequisites -----------------------------------------------------------
need=()
for b in munged slurmctld slurmd sbatch; do command -v "$b" >/dev/null 2>&1 || need+=("$b"); done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    log "SKIP: ${need[*]} missing and not root (cannot install slurm-wlm, munge)"
    exit 77
  fi
  log "installing slurm-wlm and munge (missing: ${need[*]})"
  export DEBIAN_FRONTEND=noninteractive
  timeout 600 apt-get update -qq >/dev/null
  # Package scripts must not start the system's own daemons: ours have their own config.
  policy=/usr/sbin/policy-rc.d
  made_policy=0
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; made_policy=1; fi
  timeout 900 apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null || { [ $made_policy = 1 ] && rm -f "$policy"; exit 1; }
  [ $made_policy = 1 ] && rm -f "$policy"
fi
if [ "$(id -u)" -ne 0 ]; then
  log "SKIP: needs root to run slurmd"
  exit 77
fi

# --- a private single-node cluster ------------------------------------------
tmp=$(mktemp -d /tmp/aimcsim_slurm_XXXXXX)
chmod 755 "$tmp"
mkdir -p "$tmp"/{etc,munge,state,spool,log,run,job}
chmod 700 "$tmp/munge"
pids=()
ok=0

cleanup() {
  set +e
  if [ -n "${SLURM_CONF:-}" ] && [ -f "${SLURM_CONF}" ]; then
    timeout 10 scancel --full --quiet -u root >/dev/null 2>&1
  fi
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for _ in $(seq 1 50); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.2
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  if [ $ok != 1 ]; then
    log "FAILED; logs follow"
    for f in "$tmp"/log/* "$tmp"/job/*.out; do [ -f "$f" ] && { echo "=== $f"; tail -n 40 "$f"; }; done
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

port_in_use() {
  local hex
  hex=$(printf ':%04X ' "$1")
  cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | grep -q "$hex"
}
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$(( 20000 + RANDOM % 40000 ))
    port_in_use "$p" || { echo "$p"; return 0; }
  done
  return 1
}
ctld_port=$(free_port)
slurmd_port=$(free_port)
while [ "$slurmd_port" = "$ctld_port" ]; do slurmd_port=$(free_port); done

host=$(hostname -s)
cpus=$(nproc)
sock="$tmp/munge/munge.socket"

dd if=/dev/urandom of="$tmp/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$tmp/munge/munge.key"
munged --foreground --force --key-file="$tmp/munge/munge.key" --socket="$sock" \
  --pid-file="$tmp/munge/munged.pid" --log-file="$tmp/log/munged.log" --seed-file="$tmp/munge/munged.seed" \
  > "$tmp/log/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] || { log "munged did not start"; exit 1; }

cat > "$tmp/etc/slurm.conf" <<CONF
ClusterName=aimcsimtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$sock
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/run/slurmctld.pid
SlurmdPidFile=$tmp/run/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=300
KillWait=5
Waittime=0
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=aimcsim Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$tmp/etc/slurm.conf"

slurmctld -D -c -f "$SLURM_CONF" > "$tmp/log/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" -N "$host" > "$tmp/log/slurmd.out" 2>&1 &
pids+=($!)

log "waiting for node $host to be idle (ports $ctld_port, $slurmd_port)"
state=""
for _ in $(seq 1 120); do
  state=$(timeout 5 sinfo -h -N -n "$host" -o %T 2>/dev/null || true)
  [ "$state" = "idle" ] && break
  sleep 0.5
done
[ "$state" = "idle" ] || { log "node not idle after 60 s (state '$state')"; exit 1; }

# --- the sweep: 6 small points, 3 array tasks -------------------------------
job="$tmp/job"
cat > "$job/wl.yaml" <<'WL'
kind: mvm_random
mvms: 40
rows: 0
cols: 0
WL
cat > "$job/sweep.yaml" <<SPEC
name: slurm_test
config: $src/configs/hermes_core.yaml
set:
  workload.file: wl.yaml
parameters:
  tile.adc.ps_per_lsb: [150, 300, 600]
  tile.gdc.enabled: [true, false]
SPEC

jobid=$(timeout 30 sbatch --parsable --array=0-2 --cpus-per-task=1 --time=5 \
  --output="$job/slurm-%A_%a.out" --chdir="$job" --export=ALL,AIMCSIM="$aimcsim" \
  "$sbatch_script" "$job/sweep.yaml" "$job/out")
jobid=${jobid%%;*}
log "submitted job array $jobid"

finished=0
for _ in $(seq 1 240); do
  left=$(timeout 5 squeue -h -j "$jobid" -o %i 2>/dev/null | wc -l || echo 1)
  if [ "$left" -eq 0 ]; then finished=1; break; fi
  sleep 0.5
done
[ $finished = 1 ] || { log "job array did not finish within 120 s"; timeout 5 squeue -a || true; exit 1; }
[ -f "$job/out/results.csv" ] || { log "the job array finished without merged results"; exit 1; }

# --- compare with a local run ------------------------------------------------
"$aimcsim" sweep "$job/sweep.yaml" --out "$tmp/local" --jobs 2 --quiet >/dev/null

# Every shard ran as its own array task.
for i in 0 1 2; do
  [ -f "$job/out/shard-$i/results.csv" ] || { log "shard $i has no results"; exit 1; }
done
rows=$(($(wc -l < "$job/out/results.csv") - 1))
[ "$rows" -eq 6 ] || { log "merged results have $rows rows, expected 6"; cat "$job/out/results.csv"; exit 1; }
if grep -v '^point,' "$job/out/results.csv" | grep -qv ',ok,'; then
  log "a point failed on Slurm"; cat "$job/out/results.csv"; exit 1
fi
# Same points, same metrics: drop the last three columns (wall_s, error, run_dir),
# which are the only ones that may differ (error is empty in every ok row).
strip() { sed -E 's/,[^,]*,[^,]*,[^,]*$//' "$1"; }
if ! diff <(strip "$tmp/local/results.csv") <(strip "$job/out/results.csv"); then
  log "merged Slurm results differ from the local run"
  exit 1
fi
ok=1
log "PASS: job array $jobid, 3 shards, 6 points, merged results equal the local run"
