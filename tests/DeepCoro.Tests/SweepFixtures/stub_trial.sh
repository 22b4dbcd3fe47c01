#!/bin/sh
# The scale check's trainer: about 0.1 s of "training" and one metrics row, with as few processes as possible (sh and
# sleep) so that the check measures the agents, not process start-up. val/main_loss depends on the trial index only.
# A finished run appends its index to COMPLETIONS. Usage: stub_trial.sh OUTPUT TRIAL COMPLETIONS
sleep 0.1
printf '{"epoch":1,"val/main_loss":%d.5}\n' $(( ($2 * 37) % 101 )) >> "$1/metrics.jsonl"
echo "$2" >> "$3"
