"""Prints the comparison table of examples/pooling-comparison/run.sh: per cohort and pooling, the pooled
out-of-fold AUC with its bootstrap interval (summary.json) and DeLong's p against mean pooling (compare --json)."""
import json
import os
import sys

out = sys.argv[1] if len(sys.argv) > 1 else "runs/pooling-comparison"
poolings = ["mean", "max", "attention", "cls_token", "attention+cls_token"]
print("| cohort | pooling | out-of-fold AUC [95 % CI] | AUC - mean AUC [95 % CI] | DeLong p vs mean |")
print("|---|---|---|---|---|")
for cohort in ["order", "average"]:
    for pooling in poolings:
        with open(os.path.join(out, cohort, pooling, "summary.json")) as f:
            auc = json.load(f)["pooled_out_of_fold"][0]["metrics"]["label_auc"]
        row = f"| {cohort} | {pooling} | {auc['value']:.3f} [{auc['ci'][0]:.3f}, {auc['ci'][1]:.3f}] |"
        if pooling == "mean":
            row += " | |"
        else:
            with open(os.path.join(out, cohort, f"{pooling}-vs-mean.json")) as f:
                d = json.load(f)["delong"]
            row += f" {d['difference']:+.3f} [{d['ci'][0]:+.3f}, {d['ci'][1]:+.3f}] | {d['p']:.3g} |"
        print(row)
