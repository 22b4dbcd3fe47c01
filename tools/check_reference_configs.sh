#!/usr/bin/env bash
# The acceptance check the brief asks for by hand: every real config file of DeepCORO_CLIP's linear probing and
# inference through `deepcoro run --check` (as written, then --as-reference-built where as written fails), and every
# linear-probing sweep file through `sweep --dry-run --as-reference-built` against the base its command names (or,
# when that base is outside the repository, the base beside it). Usage:
#   tools/check_reference_configs.sh GIT_DIR [DEEPCORO]
# GIT_DIR is a clone or bare mirror of HeartWise-AI/DeepCORO_CLIP; DEEPCORO the built CLI (default: the Release build).
set -uo pipefail
git_dir=${1:?usage: check_reference_configs.sh GIT_DIR [DEEPCORO]}
deepcoro=${2:-"$(cd "$(dirname "$0")/.." && pwd)/cli/DeepCoro.Cli/bin/Release/net10.0/deepcoro"}
tree=$(mktemp -d)
git --git-dir="$git_dir" archive HEAD config | tar -x -C "$tree"
cd "$tree"
pass=0; built=0; fail=0
for f in $(find config/linear_probing config/inference -name '*.y*ml' ! -name '*sweep*' | sort); do
  if "$deepcoro" run --config "$f" --check >/dev/null 2>&1; then pass=$((pass + 1)); echo "ok            $f"
  elif out=$("$deepcoro" run --config "$f" --check --as-reference-built 2>&1); then built=$((built + 1)); echo "ok (as built) $f"
  else fail=$((fail + 1)); echo "FAIL          $f: $(echo "$out" | grep -m1 error:)"; fi
done
echo "configs: $pass as written, $built --as-reference-built, $fail failed"
spass=0; sfail=0
for s in $(find config/linear_probing -name '*sweep*.y*ml' | sort); do
  base=$(grep -A1 -- '--base_config' "$s" | tail -n 1 | sed -E 's/^[[:space:]]*-[[:space:]]*"?([^"]*)"?[[:space:]]*$/\1/')
  [ -f "$base" ] || base=$(ls "$(dirname "$s")"/base_config*.y*ml | head -n 1)
  if out=$("$deepcoro" sweep --sweep "$s" --base "$base" --dry-run --as-reference-built 2>&1); then spass=$((spass + 1)); echo "ok            $s"
  else sfail=$((sfail + 1)); echo "FAIL          $s: $(echo "$out" | grep -m1 error:)"; fi
done
echo "sweep files: $spass passed, $sfail failed"
rm -rf "$tree"
