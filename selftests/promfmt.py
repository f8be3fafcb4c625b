"""The Prometheus text exposition format (0.0.4), checked strictly: every
sample in its family's block after one HELP and one TYPE, counters in
_total, no series twice, histogram buckets cumulative up to a +Inf that
_count equals. Shared by test_cli (dump --prometheus) and test_exporter.
"""
import re

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL_VALUE = r'"(?:[^"\\\n]|\\\\|\\"|\\n)*"'
LABELS = rf"\{{(?:[a-zA-Z_][a-zA-Z0-9_]*={LABEL_VALUE}" \
         rf"(?:,[a-zA-Z_][a-zA-Z0-9_]*={LABEL_VALUE})*)?\}}"
VALUE = r"(?:[-+]?(?:[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?)|[-+]Inf|NaN)"
SAMPLE_RE = re.compile(rf"^({NAME})({LABELS})? ({VALUE})$")
HELP_RE = re.compile(rf"^# HELP ({NAME}) (.*)$")
TYPE_RE = re.compile(rf"^# TYPE ({NAME}) "
                     r"(counter|gauge|histogram|summary|untyped)$")


def family_of(name, types):
    for suffix in ("_bucket", "_sum", "_count"):
        base = name[:-len(suffix)]
        if name.endswith(suffix) and types.get(base) == "histogram":
            return base
    return name


def check_prometheus(text):
    """Problems found in @text, at most a few."""
    errors = []
    helps, types, seen_series, done_families = set(), {}, set(), set()
    current = None
    buckets = {}
    if not text.endswith("\n"):
        errors.append("no final newline")
    for n, line in enumerate(text.splitlines(), 1):
        m = HELP_RE.match(line) or TYPE_RE.match(line)
        if line.startswith("#"):
            if not m:
                errors.append(f"{n}: bad comment line: {line}")
                continue
            name = m.group(1)
            kind = "HELP" if line.startswith("# HELP") else "TYPE"
            if name in done_families or (kind == "HELP" and name in helps) \
                    or (kind == "TYPE" and name in types):
                errors.append(f"{n}: second {kind} for {name}")
            if kind == "HELP":
                helps.add(name)
                if re.search(r"\\[^\\n]", m.group(2)):
                    errors.append(f"{n}: bad escape in HELP")
            else:
                types[name] = m.group(2)
            if current and current != name:
                done_families.add(current)
            current = name
            continue
        m = SAMPLE_RE.match(line)
        if not m:
            errors.append(f"{n}: bad sample line: {line}")
            continue
        name, labels, value = m.groups()
        fam = family_of(name, types)
        if fam != current or fam not in types or fam not in helps:
            errors.append(f"{n}: {name} outside its family's block")
        if types.get(fam) == "counter" and not name.endswith("_total"):
            errors.append(f"{n}: counter {name} without _total")
        if (name, labels) in seen_series:
            errors.append(f"{n}: duplicate series {name}{labels}")
        seen_series.add((name, labels))
        if types.get(fam) == "histogram":
            key = re.sub(r',?le="[^"]*"', "", labels or "").replace(
                "{,", "{")
            key = "" if key == "{}" else key
            b = buckets.setdefault((fam, key), {"last": -1, "inf": None})
            if name.endswith("_bucket"):
                v = float(value)
                if v < b["last"]:
                    errors.append(f"{n}: buckets not cumulative")
                b["last"] = v
                if 'le="+Inf"' in labels:
                    b["inf"] = v
            elif name.endswith("_count") and b["inf"] != float(value):
                errors.append(f"{n}: _count is not the +Inf bucket")
    return errors[:10]
