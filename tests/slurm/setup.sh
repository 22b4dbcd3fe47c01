#!/usr/bin/env bash
# Installs and starts a one-node Slurm (Debian's slurm-wlm + munge) on this machine, for the sweep's Slurm test.
# Idempotent: a running, answering controller is left alone. Needs root on Debian 12; reaches only the
# package registries. Exits non-zero with a one-line reason when Slurm cannot be installed or started.
set -euo pipefail

log() { echo "slurm setup: $*" >&2; }

if [ "$(id -u)" != 0 ]; then log "must run as root"; exit 1; fi

if command -v scontrol >/dev/null 2>&1 && scontrol ping 2>/dev/null | grep -q "is UP" \
   && sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
  log "already running"; exit 0
fi

if ! command -v slurmctld >/dev/null 2>&1 || ! command -v slurmd >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1; then
  log "installing slurm-wlm and munge"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  # The packages' own services are started below by hand: containers have no systemd.
  apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
fi

host=$(hostname -s)
cpus=$(nproc)
# Slurm wants the memory in MiB; leave some for the system so the node is not drained for "low RealMemory".
mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 * 9 / 10 ))

mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge
cat > /etc/slurm/slurm.conf <<CONF
# Written by tests/slurm/setup.sh: one node, no accounting, no cgroups (containers lack them).
ClusterName=deepcoro
SlurmctldHost=${host}(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
NodeName=${host} NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=${mem} State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF

if [ ! -s /etc/munge/munge.key ]; then
  dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null
fi
chown -R munge:munge /etc/munge /run/munge /var/lib/munge /var/log/munge 2>/dev/null || true
chmod 0700 /etc/munge && chmod 0400 /etc/munge/munge.key

if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  runuser -u munge -- /usr/sbin/munged
fi
if ! scontrol ping 2>/dev/null | grep -q "is UP"; then
  slurmctld
fi
if [ ! -s /run/slurmd.pid ] || ! kill -0 "$(cat /run/slurmd.pid)" 2>/dev/null; then
  slurmd
fi

for _ in $(seq 1 30); do
  if sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
    log "up: node ${host}, ${cpus} CPUs, ${mem} MiB"; exit 0
  fi
  sleep 1
done
# A node left "down" by an earlier run comes back with an explicit resume.
scontrol update nodename="${host}" state=resume 2>/dev/null || true
sleep 2
if sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then log "up after resume"; exit 0; fi
log "slurm did not come up; see /var/log/slurm/"; exit 1
