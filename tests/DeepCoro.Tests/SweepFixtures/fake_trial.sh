#!/bin/sh
# Stand-in for `deepcoro train` in the sweep tests: writes a scripted metric curve to OUTPUT/metrics.jsonl in the
# trainer's format. val/main_loss at epoch e is (log10(lr) + 3)^2 + 1/e, lr read from the config; `crash: true` in
# the config exits with an error. A finished run appends its config path to SWEEPDIR/completions.log, which the
# resume test counts. Usage: fake_trial.sh CONFIG OUTPUT [EPOCHS] [SECONDS_PER_EPOCH]
config=$1; out=$2; epochs=${3:-3}; pause=${4:-0}
mkdir -p "$out"
if grep -q '^crash: true' "$config"; then echo "simulated crash in the trainer" >&2; exit 3; fi
lr=$(awk -F': *' '$1 == "lr" { print $2 }' "$config")
e=1
while [ "$e" -le "$epochs" ]; do
  sleep "$pause"
  awk -v lr="$lr" -v e="$e" 'BEGIN { l = log(lr) / log(10) + 3; printf "{\"epoch\":%d,\"step\":%d,\"val/main_loss\":%.6f}\n", e, 10 * e, l * l + 1 / e }' >> "$out/metrics.jsonl"
  e=$((e + 1))
done
echo "$config" >> "$(dirname "$(dirname "$(dirname "$config")")")/completions.log"
