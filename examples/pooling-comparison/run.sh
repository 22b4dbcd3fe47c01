#!/usr/bin/env bash
# The seed document's pooling table, measured: 3-fold patient-grouped cross-validation of five poolings on two
# synthetic cohorts, each pooling compared with mean pooling on the same out-of-fold studies (DeLong), and a
# markdown table of the results. Usage: examples/pooling-comparison/run.sh [OUT] (default runs/pooling-comparison);
# DEEPCORO names the command (default: deepcoro). Rerunning resumes: finished folds are not trained again.
set -euo pipefail
deepcoro=${DEEPCORO:-deepcoro}
out=${1:-runs/pooling-comparison}
poolings="mean max attention cls_token attention+cls_token"
for cohort in order average; do
    if [ ! -f "$out/$cohort/data/config.yaml" ]; then
        $deepcoro synth --output "$out/$cohort/data" --cohort "$cohort" --studies 200 --dim 32 --tokens 6 --max-videos 3 --epochs 10 --seed 1
    fi
    for pooling in $poolings; do
        $deepcoro cv --config "$out/$cohort/data/config.yaml" --folds 3 --group-by PatientID --stratify label \
            --set "model_config.pooling_mode=$pooling" --output "$out/$cohort/$pooling"
    done
    for pooling in $poolings; do
        [ "$pooling" = mean ] && continue
        $deepcoro compare "$out/$cohort/$pooling" "$out/$cohort/mean" --head label --json "$out/$cohort/$pooling-vs-mean.json"
    done
done
python3 "$(dirname "$0")/table.py" "$out"
