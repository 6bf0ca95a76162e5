#!/usr/bin/env python3
"""Checks that no dependency of snapjobs or snapjobs-server (normal dependencies, followed
transitively) declares a rust-version newer than the package's own. Run from the repository
root."""
import json
import subprocess
import sys


def version(text):
    parts = [int(part) for part in text.split(".")][:3]
    return tuple(parts + [0] * (3 - len(parts)))


meta = json.loads(subprocess.check_output(["cargo", "metadata", "--format-version", "1", "--locked"]))
packages = {p["id"]: p for p in meta["packages"]}
nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
failed = []
for name in ["snapjobs", "snapjobs-server"]:
    root = next(p for p in meta["packages"] if p["name"] == name)
    ours = version(root["rust_version"])
    seen, stack = set(), [root["id"]]
    while stack:
        for dep in nodes[stack.pop()]["deps"]:
            if any(k["kind"] is None for k in dep["dep_kinds"]) and dep["pkg"] not in seen:
                seen.add(dep["pkg"])
                stack.append(dep["pkg"])
    newer = [
        f"{packages[i]['name']} {packages[i]['version']} needs {packages[i]['rust_version']}"
        for i in sorted(seen)
        if packages[i].get("rust_version") and version(packages[i]["rust_version"]) > ours
    ]
    if newer:
        failed.append(f"{name}: rust-version {root['rust_version']} is older than: " + "; ".join(newer))
    else:
        print(f"{name}: rust-version {root['rust_version']}: {len(seen)} dependencies, none needs newer")
if failed:
    sys.exit("\n".join(failed))
