#!/usr/bin/python3
"""Validates the manifests of deploy/kubernetes/ offline against the
Kubernetes API's JSON schemas vendored in tests/kubernetes/schema/ (see
its README: the source and the Kubernetes version), made strict here: an
object with listed properties admits no other key, as the API server's
strict field validation (kubectl's default) does. So a misspelt key, a
wrong type or a missing required field fails `make check`.

Also checks what the schema cannot: each document's kind has a schema,
the labels app.kubernetes.io/version and the image tag equal VERSION,
and the DaemonSet keeps the conventions of Documentation/deploy.md
(system-node-critical, a toleration of every taint, only the host paths
it needs); the PodMonitor (deploy/kubernetes/prometheus-operator/)
picks the DaemonSet's pods by their labels and scrapes a port the
DaemonSet names. Then proves it can fail: typos planted in a copy of each
manifest must be rejected.

Usage: tests/kubernetes/validate.py [FILE...]
       (default: deploy/kubernetes/*.yaml and */*.yaml)
Prints TAP-like lines; exit 1 on any failure. Needs python3-yaml and
python3-jsonschema.
"""
import copy
import glob
import json
import os
import sys

import jsonschema
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
PROJ = os.path.dirname(os.path.dirname(HERE))
SCHEMAS = {
    ("apps/v1", "DaemonSet"): "daemonset-apps-v1.json",
    ("v1", "ServiceAccount"): "serviceaccount-v1.json",
    ("v1", "Namespace"): "namespace-v1.json",
    ("v1", "ConfigMap"): "configmap-v1.json",
    # Written here, not generated: the fields memqos uses (schema/README.md).
    ("monitoring.coreos.com/v1", "PodMonitor"): "podmonitor-monitoring-v1.json",
}
HOST_PATHS = {"/sys/fs/cgroup", "/lib/modules", "/usr/src", "/usr/lib",
              "/run/memqos"}


def strict(schema):
    """A copy where every object schema with properties and no
    additionalProperties of its own admits no other key."""
    if isinstance(schema, dict):
        out = {k: strict(v) for k, v in schema.items()}
        if "properties" in out and "additionalProperties" not in out:
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [strict(v) for v in schema]
    return schema


_validators = {}


def validator(doc):
    key = (doc.get("apiVersion"), doc.get("kind"))
    if key not in SCHEMAS:
        return None
    if key not in _validators:
        with open(os.path.join(HERE, "schema", SCHEMAS[key])) as f:
            _validators[key] = jsonschema.Draft4Validator(strict(json.load(f)))
    return _validators[key]


def conventions(doc, version):
    """What the schema cannot say; a list of problems."""
    bad = []
    labels = (doc.get("metadata") or {}).get("labels") or {}
    if labels.get("app.kubernetes.io/version", version) != version:
        bad.append(f"app.kubernetes.io/version is "
                   f"{labels['app.kubernetes.io/version']}, VERSION {version}")
    if doc.get("kind") != "DaemonSet":
        return bad
    pod = doc["spec"]["template"]["spec"]
    if pod.get("priorityClassName") != "system-node-critical":
        bad.append("priorityClassName is not system-node-critical")
    if {"operator": "Exists"} not in (pod.get("tolerations") or []):
        bad.append("no toleration of every taint (operator: Exists)")
    paths = {v["hostPath"]["path"] for v in pod.get("volumes", [])
             if "hostPath" in v}
    if paths != HOST_PATHS:
        bad.append(f"host paths {sorted(paths)}, want {sorted(HOST_PATHS)}")
    for c in pod["containers"]:
        if not c["image"].endswith(":" + version):
            bad.append(f"image {c['image']} is not tagged {version}")
    return bad


def scrapes_daemonset(doc, daemonset):
    """A PodMonitor's problems with the DaemonSet it is for: its selector
    must pick the DaemonSet's pods, and its port be a named port of it."""
    if doc.get("kind") != "PodMonitor" or daemonset is None:
        return []
    bad = []
    pod = daemonset["spec"]["template"]
    want = doc["spec"]["selector"].get("matchLabels") or {}
    labels = pod["metadata"].get("labels") or {}
    if not want or any(labels.get(k) != v for k, v in want.items()):
        bad.append(f"selector {want} does not pick the DaemonSet's pods")
    ports = {p.get("name") for c in pod["spec"]["containers"]
             for p in c.get("ports", [])}
    for ep in doc["spec"]["podMetricsEndpoints"]:
        if ep.get("port") not in ports:
            bad.append(f"port {ep.get('port')!r} is not a named port of "
                       f"the DaemonSet ({sorted(filter(None, ports))})")
    if (doc["metadata"].get("namespace") !=
            daemonset["metadata"].get("namespace")):
        bad.append("not in the DaemonSet's namespace")
    return bad


def problems(doc, version, daemonset=None):
    v = validator(doc)
    if v is None:
        return [f"no vendored schema for {doc.get('apiVersion')} "
                f"{doc.get('kind')}"]
    errs = [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
            for e in v.iter_errors(doc)]
    return errs or conventions(doc, version) or \
        scrapes_daemonset(doc, daemonset)


# Typos a hand edit makes; each must be caught.
def _rename(d, old, new):
    d[new] = d.pop(old)


MUTATIONS = {
    "DaemonSet": [
        ("misspelt key tolerations",
         lambda d: _rename(d["spec"]["template"]["spec"], "tolerations",
                           "toleration")),
        ("misspelt hostPath",
         lambda d: _rename(d["spec"]["template"]["spec"]["volumes"][0],
                           "hostPath", "hostpath")),
        ("a string for a boolean",
         lambda d: d["spec"]["template"]["spec"]["containers"][0]
         ["securityContext"].update(privileged="yes")),
        ("a container without a name",
         lambda d: d["spec"]["template"]["spec"]["containers"][0].pop(
             "name")),
    ],
    "ServiceAccount": [
        ("misspelt automountServiceAccountToken",
         lambda d: _rename(d, "automountServiceAccountToken",
                           "automountServiceAccountTokens")),
    ],
    "Namespace": [("a list for metadata", lambda d: d.update(metadata=[]))],
    "ConfigMap": [("a number in data",
                   lambda d: d["data"].update(x=1))],
    "PodMonitor": [
        ("misspelt podMetricsEndpoints",
         lambda d: _rename(d["spec"], "podMetricsEndpoints",
                           "podMetricEndpoints")),
        ("a port the DaemonSet does not name",
         lambda d: d["spec"]["podMetricsEndpoints"][0].update(port="http")),
        ("a selector that picks no memqos pod",
         lambda d: d["spec"]["selector"]["matchLabels"].update(
             {"app.kubernetes.io/name": "node-exporter"})),
        ("an interval that is no duration",
         lambda d: d["spec"]["podMetricsEndpoints"][0].update(
             interval="30 seconds")),
    ],
}


def main():
    files = sys.argv[1:] or sorted(
        glob.glob(os.path.join(PROJ, "deploy/kubernetes/*.yaml")) +
        glob.glob(os.path.join(PROJ, "deploy/kubernetes/*/*.yaml")))
    with open(os.path.join(PROJ, "VERSION")) as f:
        version = f.read().strip()
    n = failed = 0
    kinds = set()
    loaded = []
    for path in files:
        with open(path) as f:
            loaded += [(path, d) for d in yaml.safe_load_all(f)
                       if d is not None]
    daemonset = next((d for _, d in loaded if d.get("kind") == "DaemonSet"),
                     None)
    for path, doc in loaded:
        name = f"{os.path.relpath(path, PROJ)}: {doc.get('kind')} " \
               f"{(doc.get('metadata') or {}).get('name')}"
        kinds.add(doc.get("kind"))
        n += 1
        bad = problems(doc, version, daemonset)
        for b in bad:
            print(f"# {b}")
        print(f"{'not ok' if bad else 'ok'} {n} {name}")
        failed += bool(bad)
        for what, mutate in MUTATIONS.get(doc.get("kind"), []):
            typo = copy.deepcopy(doc)
            mutate(typo)
            n += 1
            caught = bool(problems(typo, version, daemonset))
            print(f"{'ok' if caught else 'not ok'} {n} {name}: "
                  f"rejected with {what}")
            failed += not caught
    for want in ("Namespace", "ServiceAccount", "DaemonSet", "PodMonitor"):
        n += 1
        print(f"{'ok' if want in kinds else 'not ok'} {n} a {want} is there")
        failed += want not in kinds
    print(f"# {n - failed} passed, {failed} failed")
    return 1 if failed else 0


sys.exit(main())
