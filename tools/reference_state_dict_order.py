#!/usr/bin/env python3
"""Writes the state_dict keys and shapes, in order, of DeepCORO_CLIP's MultiInstanceLinearProbing for every MIL case of
shared/golden/cases.json, so the tests can check that the resolved plan lists parameters as the reference does.

The reference is not part of this repository (it has no licence); point this script at a checkout of it:
    git -C <DeepCORO_CLIP mirror> archive HEAD models utils | tar -x -C /tmp/dcref
    /usr/bin/python3 tools/reference_state_dict_order.py /tmp/dcref ../shared/golden/cases.json \
        tests/DeepCoro.Tests/Fixtures/reference_state_dicts.json
Needs PyTorch (Debian's python3-torch); CI does not run it, it reads the JSON this writes.
"""
import importlib.util
import json
import sys


def load_reference_model(checkout):
    # The module file alone: the package's __init__ pulls in text models this check does not need.
    sys.path.insert(0, checkout)
    spec = importlib.util.spec_from_file_location("reference_mil", f"{checkout}/models/multi_instance_linear_probing.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.MultiInstanceLinearProbing


def main(checkout, cases_path, out_path):
    model_class = load_reference_model(checkout)
    with open(cases_path) as f:
        cases = json.load(f)
    result = {}
    for name, case in cases.items():
        if case["model"] != "multi_instance_linear_probing":
            continue
        model = model_class(**case["config"])
        result[name] = [[key, list(value.shape)] for key, value in model.state_dict().items()]
    with open(out_path, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    print(f"wrote {len(result)} cases to {out_path}")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
