#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Generate include/uapi/linux/memqos.h, Documentation/netlink/memqos.md and
the module's policies and ops table (kmod/genl-gen.c, kmod/genl-gen.h) from
the netlink spec.

The spec (Documentation/netlink/specs/memqos.yaml) is the source of truth;
the generated files are committed so that users need no Python to build or
read them. `gen-uapi.py --check` fails when any committed file is stale, or
when a range written in an attribute's doc is not the one its checks give.
The kernel code follows the kernel's own generator (tools/net/ynl, as in
net/ipv4/fou_nl.c): per-op policies from each do request and its checks
(min, max, max-len), genl_ops with doit/dumpit and the dump's pre/post as
start/done, one prototype per handler. genl_ops with a policy per op is what
6.1 has, and what newer kernels still take.
"""
import argparse
import os
import re
import sys
import textwrap

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPEC = os.path.join(ROOT, "Documentation/netlink/specs/memqos.yaml")
HEADER = os.path.join(ROOT, "include/uapi/linux/memqos.h")
DOC = os.path.join(ROOT, "Documentation/netlink/memqos.md")
KGEN_C = os.path.join(ROOT, "kmod/genl-gen.c")
KGEN_H = os.path.join(ROOT, "kmod/genl-gen.h")
SPEC_REL = "Documentation/netlink/specs/memqos.yaml"
# Attribute sets whose checks kmod/ applies again outside netlink (config.c,
# for debugfs): they also get an initializer of ranges indexed by attribute.
RANGE_SETS = ("config",)
NLA_TYPES = {"u8": "NLA_U8", "u16": "NLA_U16", "u32": "NLA_U32",
             "u64": "NLA_U64", "s8": "NLA_S8", "s16": "NLA_S16",
             "s32": "NLA_S32", "s64": "NLA_S64", "string": "NLA_NUL_STRING",
             "flag": "NLA_FLAG", "nest": "NLA_NESTED",
             "binary": "NLA_BINARY"}
TYPE_MAX = {"u8": 0xFF, "u16": 0xFFFF, "u32": 0xFFFFFFFF,
            "u64": 0xFFFFFFFFFFFFFFFF}
# GENL_MCAST_CAP_NET_ADMIN / _SYS_ADMIN: who may join a group.
MCGRP_FLAGS = {"cap-net-admin", "cap-sys-admin"}


def c_name(*parts):
    return "_".join(p.upper().replace("-", "_") for p in parts)


def comment(doc, indent=""):
    """A C comment block for @doc, or nothing."""
    if not doc:
        return []
    lines = textwrap.wrap(" ".join(str(doc).split()), 72 - len(indent))
    if len(lines) == 1:
        return [f"{indent}/* {lines[0]} */"]
    return [f"{indent}/*"] + [f"{indent} * {ln}" for ln in lines] + [f"{indent} */"]


def gen_consts(spec, out):
    for d in spec.get("definitions", []):
        if d["type"] != "const":
            continue
        out += comment(d.get("doc"))
        value = d["value"]
        suffix = "ULL" if value > 0xFFFFFFFF else ""
        out.append(f"#define {c_name('memqos', d['name'])}\t{value}{suffix}")
        out.append("")


def gen_enums(spec, out):
    for d in spec.get("definitions", []):
        if d["type"] != "enum":
            continue
        out += comment(d.get("doc"))
        out.append(f"enum memqos_{d['name'].replace('-', '_')} {{")
        for e in d["entries"]:
            name = e["name"] if isinstance(e, dict) else e
            doc = e.get("doc") if isinstance(e, dict) else None
            out += comment(doc, "\t")
            out.append(f"\t{c_name('memqos', d['name'], name)},")
        out.append("")
        out.append(f"\t{c_name('__memqos', d['name'], 'max')}")
        out.append("};")
        out.append("")


def gen_attr_sets(spec, out):
    for aset in spec["attribute-sets"]:
        prefix = c_name("memqos_a", aset["name"])
        out += comment(aset.get("doc"))
        out.append(f"enum memqos_a_{aset['name'].replace('-', '_')} {{")
        out.append(f"\t{prefix}_UNSPEC,")
        for a in aset["attributes"]:
            kind = a["type"]
            if a.get("multi-attr"):
                kind += ", repeated"
            if a.get("nested-attributes"):
                kind += f" of {a['nested-attributes']}"
            doc = f"{kind}: {a['doc']}" if a.get("doc") else kind
            name = f"\t{prefix}_{c_name(a['name'])},"
            inline = f"{name}\t/* {doc} */"
            if len(inline.expandtabs(8)) <= 80:
                out.append(inline)
            else:
                out += comment(doc, "\t")
                out.append(name)
        out.append("")
        out.append(f"\t__{prefix}_MAX,")
        out.append(f"\t{prefix}_MAX = __{prefix}_MAX - 1")
        out.append("};")
        out.append("")


def gen_ops(spec, out):
    out.append("enum memqos_cmd {")
    out.append("\tMEMQOS_CMD_UNSPEC,")
    for op in spec["operations"]["list"]:
        out += comment(op.get("doc"), "\t")
        out.append(f"\t{c_name('memqos_cmd', op['name'])},")
    out.append("")
    out.append("\t__MEMQOS_CMD_MAX,")
    out.append("\tMEMQOS_CMD_MAX = __MEMQOS_CMD_MAX - 1")
    out.append("};")
    out.append("")
    for grp in spec["mcast-groups"]["list"]:
        doc = grp.get("doc")
        flags = grp.get("flags", [])
        unknown = set(flags) - MCGRP_FLAGS
        if unknown:
            raise ValueError(f"{SPEC}: mcast group {grp['name']}: unknown flags {unknown}")
        if flags:
            doc = f"{doc or ''} Flags: {', '.join(flags)}."
        out += comment(doc)
        out.append(f"#define {c_name('memqos_mcgrp', grp['name'])}\t\"{grp['name']}\"")
    out.append("")


def generate():
    with open(SPEC) as f:
        spec = yaml.safe_load(f)
    out = [
        "/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */",
        "/* Do not edit: generated by scripts/gen-uapi.py from */",
        "/*\tDocumentation/netlink/specs/memqos.yaml */",
        "/*",
        " * memqos: per-cgroup memory pressure accounting, generic netlink API.",
        " * The spec documents every command, attribute and unit. Numbers are",
        " * ABI: append only.",
        " */",
        "#ifndef _UAPI_LINUX_MEMQOS_H",
        "#define _UAPI_LINUX_MEMQOS_H",
        "",
        f"#define MEMQOS_FAMILY_NAME\t\"{spec['name']}\"",
        "",
    ]
    gen_consts(spec, out)
    gen_enums(spec, out)
    gen_attr_sets(spec, out)
    gen_ops(spec, out)
    out.append("#endif /* _UAPI_LINUX_MEMQOS_H */")
    return "\n".join(out) + "\n"


def md_text(doc):
    """A spec doc string as one line of Markdown (| escaped for tables)."""
    return " ".join(str(doc or "").split()).replace("|", "\\|")


def md_attr_type(a):
    kind = a["type"]
    if a.get("nested-attributes"):
        kind += f" ([{a['nested-attributes']}](#set-{a['nested-attributes']}))"
    if a.get("enum"):
        kind += f" ({a['enum']})"
    if a.get("multi-attr"):
        kind += ", repeated"
    return kind


def md_op(op):
    out = [f"### {op['name']}", ""]
    if op.get("doc"):
        out += [md_text(op["doc"]), ""]
    facts = [f"attribute set: [{op['attribute-set']}](#set-{op['attribute-set']})"]
    if "admin-perm" in op.get("flags", []):
        facts.append("needs CAP_NET_ADMIN")
    if op.get("mcgrp"):
        facts.append(f"notification to multicast group `{op['mcgrp']}`")
    out += ["- " + f for f in facts]
    for mode in ("do", "dump"):
        if mode not in op:
            continue
        for part in ("request", "reply"):
            attrs = (op[mode] or {}).get(part, {}).get("attributes")
            if attrs:
                out.append(f"- {mode} {part}: " +
                           ", ".join(f"`{a}`" for a in attrs))
    return out + [""]


def generate_doc():
    """The spec as a Markdown reference, as the kernel renders its specs."""
    with open(SPEC) as f:
        spec = yaml.safe_load(f)
    out = [
        "<!-- Do not edit: generated by scripts/gen-uapi.py from",
        "     Documentation/netlink/specs/memqos.yaml -->",
        f"# The `{spec['name']}` generic netlink family",
        "",
        md_text(spec.get("doc")),
        "",
        "## Definitions",
        "",
        "| name | value | meaning |",
        "|---|---|---|",
    ]
    for d in spec.get("definitions", []):
        if d["type"] == "const":
            out.append(f"| `{d['name']}` | {d['value']} | {md_text(d.get('doc'))} |")
        else:
            names = ", ".join(f"`{e['name'] if isinstance(e, dict) else e}`"
                              for e in d["entries"])
            out.append(f"| `{d['name']}` | enum: {names} | {md_text(d.get('doc'))} |")
    out += ["", "## Operations", ""]
    for op in spec["operations"]["list"]:
        out += md_op(op)
    out += ["## Multicast groups", ""]
    out += [f"- `{g['name']}`" + (f": {md_text(g.get('doc'))}" if g.get("doc") else "")
            for g in spec["mcast-groups"]["list"]]
    out += ["", "## Attribute sets", ""]
    for aset in spec["attribute-sets"]:
        out += [f'<a id="set-{aset["name"]}"></a>', "",
                f"### {aset['name']}", ""]
        if aset.get("doc"):
            out += [md_text(aset["doc"]), ""]
        out += ["| # | attribute | type | meaning |", "|---|---|---|---|"]
        for i, a in enumerate(aset["attributes"], 1):
            out.append(f"| {i} | `{a['name']}` | {md_attr_type(a)} | "
                       f"{md_text(a.get('doc'))} |")
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def lower(*parts):
    return "_".join(p.lower().replace("-", "_") for p in parts)


def aset_by_name(spec, name):
    return next(s for s in spec["attribute-sets"] if s["name"] == name)


def attr_enum(aset, attr):
    return f"{c_name('memqos_a', aset['name'])}_{c_name(attr['name'])}"


def attr_range(attr):
    """(min, max) an integer attribute's checks allow, or None."""
    checks = attr.get("checks") or {}
    if "min" not in checks and "max" not in checks:
        return None
    if attr["type"] not in TYPE_MAX:
        raise ValueError(f"{SPEC}: {attr['name']}: min/max on a {attr['type']}")
    lo = checks.get("min", 0)
    hi = checks.get("max", TYPE_MAX[attr["type"]])
    if not 0 <= lo <= hi <= TYPE_MAX[attr["type"]]:
        raise ValueError(f"{SPEC}: {attr['name']}: bad checks {checks}")
    return lo, hi


def check_doc_ranges(spec):
    """A range written in a doc, "(1..4096)", must be the one checks give."""
    bad = []
    for aset in spec["attribute-sets"]:
        for a in aset["attributes"]:
            m = re.search(r"\((\d+)\.\.(\d+)\)", str(a.get("doc", "")))
            if m and a.get("checks") and \
               attr_range(a) != (int(m.group(1)), int(m.group(2))):
                bad.append(f"{aset['name']}.{a['name']}: doc says "
                           f"{m.group(0)}, checks say {attr_range(a)}")
    return bad


def s16(v):
    return -32768 <= v <= 32767


def policy_entry(aset, attr, ranges):
    """The nla_policy initializer of @attr; range structs go to @ranges."""
    kind = NLA_TYPES.get(attr["type"])
    if not kind:
        raise ValueError(f"{SPEC}: no policy for type {attr['type']}")
    checks = attr.get("checks") or {}
    rng = attr_range(attr)
    if rng is None:
        if "max-len" in checks:
            return f"{{ .type = {kind}, .len = {checks['max-len']}, }}"
        return f"{{ .type = {kind}, }}"
    lo, hi = rng
    has_min, has_max = "min" in checks, "max" in checks
    if has_min and has_max and s16(lo) and s16(hi):
        return f"NLA_POLICY_RANGE({kind}, {lo}, {hi})"
    if has_min and not has_max and s16(lo):
        return f"NLA_POLICY_MIN({kind}, {lo})"
    if has_max and not has_min and s16(hi):
        return f"NLA_POLICY_MAX({kind}, {hi})"
    name = f"{lower('memqos_a', aset['name'], attr['name'])}_range"
    # Not const: 6.1's nla_policy points to a non-const range.
    ranges += [f"static struct netlink_range_validation {name} = {{",
               f"\t.min = {lo}ULL,", f"\t.max = {hi}ULL,", "};", ""]
    return f"NLA_POLICY_FULL_RANGE({kind}, &{name})"


def op_policy(spec, op):
    """(name, size expression, lines) of @op's request policy, or None."""
    # One policy serves both: genl_ops validates a dump's request with it.
    req = []
    for kind in ("do", "dump"):
        for a in ((op.get(kind) or {}).get("request") or {}).get("attributes") or []:
            if a not in req:
                req.append(a)
    if not req:
        return None
    aset = aset_by_name(spec, op["attribute-set"])
    attrs = [a for a in aset["attributes"] if a["name"] in req]
    if len(attrs) != len(req):
        raise ValueError(f"{SPEC}: {op['name']}: unknown request attribute")
    name = f"{lower('memqos', op['name'])}_nl_policy"
    size = f"{attr_enum(aset, attrs[-1])} + 1"
    ranges, body = [], []
    for a in attrs:
        body.append(f"\t[{attr_enum(aset, a)}] = {policy_entry(aset, a, ranges)},")
    lines = ranges + [f"/* {op['name']} - do */",
                      f"const struct nla_policy {name}[{size}] = {{"]
    return name, size, lines + body + ["};", ""]


def op_handlers(op):
    """[(member, C name, kind)] of @op's handlers, in genl_ops order."""
    out = []
    if "do" in op:
        out.append(("doit", f"{lower('memqos_nl', op['name'])}_doit", "doit"))
    dump = op.get("dump")
    if dump is not None:
        dump = dump or {}
        if dump.get("pre"):
            out.append(("start", lower(dump["pre"]), "cb"))
        out.append(("dumpit", f"{lower('memqos_nl', op['name'])}_dumpit",
                    "dumpit"))
        if dump.get("post"):
            out.append(("done", lower(dump["post"]), "cb"))
    return out


PROTOS = {
    "doit": "int {}(struct sk_buff *skb, struct genl_info *info);",
    "dumpit": "int {}(struct sk_buff *skb, struct netlink_callback *cb);",
    "cb": "int {}(struct netlink_callback *cb);",
}


def kgen_banner(comment_start):
    return [f"{comment_start} SPDX-License-Identifier: GPL-2.0" +
            (" */" if comment_start == "/*" else ""),
            "/* Do not edit: generated by scripts/gen-uapi.py from */",
            f"/*\t{SPEC_REL} */",
            "/* Policies and ops of the memqos family; the handlers are not. */",
            ""]


def wrap(line):
    """Kernel style: a line over 100 columns breaks after its "= " or its
    type, the rest indented one more tab."""
    if len(line.expandtabs(8)) <= 100:
        return [line]
    indent = line[:len(line) - len(line.lstrip("\t"))]
    for sep in (" = ", " "):
        cut = line.find(sep) if sep == " = " else line.rfind(sep, 0, 90)
        if cut > 0:
            keep = cut + (2 if sep == " = " else 0)
            return [line[:keep].rstrip(), indent + "\t" + line[keep:].lstrip()]
    return [line]


def wrap_all(lines):
    return [w for ln in lines for w in wrap(ln)]


def generate_kernel():
    """kmod/genl-gen.c and kmod/genl-gen.h."""
    with open(SPEC) as f:
        spec = yaml.safe_load(f)
    ops = [op for op in spec["operations"]["list"]
           if "do" in op or "dump" in op]
    c = kgen_banner("//") + [
        "#include <net/netlink.h>", "#include <net/genetlink.h>", "",
        '#include "genl-gen.h"', "", "#include <linux/memqos.h>", ""]
    h = kgen_banner("/*") + [
        "#ifndef MEMQOS_GENL_GEN_H", "#define MEMQOS_GENL_GEN_H", "",
        "#include <net/netlink.h>", "#include <net/genetlink.h>", "",
        "#include <linux/memqos.h>", ""]

    for name in RANGE_SETS:
        aset = aset_by_name(spec, name)
        checked = [a for a in aset["attributes"] if attr_range(a)]
        # An initializer, not a table: the file that checks again links to
        # nothing of the family's.
        h += [f"/* What the checks of set {name} allow, by attribute. */",
              f"#define {c_name('memqos', name)}_RANGES {{ \\"]
        for a in checked:
            lo, hi = attr_range(a)
            h.append(f"\t[{attr_enum(aset, a)}] = \\")
            h.append(f"\t\t{{ .min = {lo}ULL, .max = {hi}ULL, }}, \\")
        h += ["}", ""]

    policies = {}
    for op in ops:
        pol = op_policy(spec, op)
        if pol:
            policies[op["name"]] = pol
            c += pol[2]
            h += [f"/* {op['name']} - do */",
                  f"extern const struct nla_policy {pol[0]}[{pol[1]}];", ""]

    h += ["/* Ops table for memqos */",
          f"extern const struct genl_ops memqos_nl_ops[{len(ops)}];", ""]
    c += ["/* Ops table for memqos */",
          f"const struct genl_ops memqos_nl_ops[{len(ops)}] = {{"]
    protos = []
    for op in ops:
        c += ["\t{", f"\t\t.cmd\t\t= {c_name('memqos_cmd', op['name'])},"]
        for member, fn, kind in op_handlers(op):
            tabs = "\t\t" if len(member) < 7 else "\t"
            c.append(f"\t\t.{member}{tabs}= {fn},")
            if PROTOS[kind].format(fn) not in protos:
                protos.append(PROTOS[kind].format(fn))
        if op["name"] in policies:
            name = policies[op["name"]][0]
            c += [f"\t\t.policy\t\t= {name},",
                  f"\t\t.maxattr\t= ARRAY_SIZE({name}) - 1,"]
        if "admin-perm" in op.get("flags", []):
            c.append("\t\t.flags\t\t= GENL_ADMIN_PERM,")
        c.append("\t},")
    c += ["};", ""]

    grps = spec["mcast-groups"]["list"]
    h += ["enum memqos_nl_mcgrp {"]
    h += [f"\t{c_name('memqos_nlgrp', g['name'])}," for g in grps]
    h += ["};", "",
          f"extern const struct genl_multicast_group memqos_nl_mcgrps[{len(grps)}];",
          ""]
    c += [f"const struct genl_multicast_group memqos_nl_mcgrps[{len(grps)}] = {{"]
    for g in grps:
        c += [f"\t[{c_name('memqos_nlgrp', g['name'])}] = {{",
              f"\t\t.name = {c_name('memqos_mcgrp', g['name'])},"]
        flags = [f"GENL_MCAST_{c_name(f)}" for f in g.get("flags", [])]
        if flags:
            c.append(f"\t\t.flags = {' | '.join(flags)},")
        c.append("\t},")
    c += ["};"]

    h += protos + ["", "#endif /* MEMQOS_GENL_GEN_H */"]
    return "\n".join(wrap_all(c)) + "\n", "\n".join(wrap_all(h)) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--check", action="store_true",
                    help="fail if a committed file differs")
    args = ap.parse_args()
    with open(SPEC) as f:
        bad = check_doc_ranges(yaml.safe_load(f))
    for b in bad:
        print(f"{SPEC}: {b}", file=sys.stderr)
    stale = 1 if bad else 0
    kc, kh = generate_kernel()
    for path, text in ((HEADER, generate()), (DOC, generate_doc()),
                       (KGEN_C, kc), (KGEN_H, kh)):
        if args.check:
            with open(path) as f:
                if f.read() != text:
                    print(f"{path} is stale: run scripts/gen-uapi.py",
                          file=sys.stderr)
                    stale = 1
            continue
        with open(path, "w") as f:
            f.write(text)
    return stale


if __name__ == "__main__":
    sys.exit(main())
