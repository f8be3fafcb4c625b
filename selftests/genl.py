"""The memqos generic netlink family, spoken by an independent client.

The genl selftests prove the kernel side of the API without the project's
C tool or C code: every number comes from include/uapi/linux/memqos.h,
parsed here as text (enums counted the way a C compiler counts them,
attribute types read from the comments scripts/gen-uapi.py writes next to
each attribute: "u64", "string", "nest, repeated of hist", ...). Debian's
python3-pyroute2 resolves the family through nlctrl and encodes and decodes
the messages, with classes built here from those numbers.

A small struct-based layer (nlmsg/genlmsg/nla builders, split_msgs,
parse_attrs, parse_error) serves where pyroute2 would be in the way: the
fuzzer, which must send malformed bytes, and the 10,000-cgroup dumps, whose
wall time would otherwise measure pyroute2's per-attribute decoding in a
TCG guest rather than the kernel.

    H.CMD["CGROUP_GET"]                  command numbers
    H.OPS["CGROUP_GET"]                  the spec's operation: set, do, dump,
                                         admin, ntf, request and reply attrs
    H.SETS["cgroup"].attr("USAGE_BYTES") an Attr: num, kind, multi, nested
    H.FAMILY_NAME, H.FAMILY_VERSION, H.HIST_BUCKETS, H.UNLIMITED,
    H.MCGRP_EVENTS, H.STALL_KINDS

    with Memqos() as nl:                 pyroute2 socket, family resolved
        nl.family_info()                 version, ops and their flags, groups
        nl.do("CGROUP_GET", ID=5)        -> Reply (.attrs: decoded dict)
        nl.dump("CGROUP_GET")            -> Reply (.msgs, .batches, .intr)
        nl.join("events"); nl.events(timeout)
        nl.events_settled()              STATS_GET once every event is out
    errors raise NlError(errno, ext-ack message, ext-ack offset)
"""

import errno
import os
import re
import select
import socket
import struct
import time

from pyroute2.netlink import NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST, genlmsg
from pyroute2.netlink import nla as p2_nla
from pyroute2.netlink.generic import GenericNetlinkSocket

HEADER = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                      "include/uapi/linux/memqos.h")

# Netlink constants of the kernel's own UAPI (linux/netlink.h).
NLMSG_NOOP, NLMSG_ERROR, NLMSG_DONE, NLMSG_OVERRUN = 1, 2, 3, 4
NLM_F_MULTI = 0x2
NLM_F_ECHO = 0x8
NLM_F_DUMP_INTR = 0x10
NLM_F_ROOT, NLM_F_MATCH = 0x100, 0x200
NLM_F_CAPPED = 0x100        # on NLMSG_ERROR: the request is not echoed whole
NLM_F_ACK_TLVS = 0x200      # on NLMSG_ERROR/DONE: ext-ack attributes follow
NLA_F_NESTED = 0x8000
NLA_F_NET_BYTEORDER = 0x4000
NLA_TYPE_MASK = 0x3FFF
NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS = 1, 2
SOL_NETLINK = 270
NETLINK_ADD_MEMBERSHIP, NETLINK_DROP_MEMBERSHIP = 1, 2
NETLINK_EXT_ACK = 11
NETLINK_NO_ENOBUFS = 5
NETLINK_GENERIC = 16
GENL_ID_CTRL = 0x10
GENL_ADMIN_PERM, GENL_CMD_CAP_DO, GENL_CMD_CAP_DUMP, GENL_CMD_CAP_HASPOL = 1, 2, 4, 8


# ---- the UAPI header, as text ----

class Attr:
    """One attribute of a set: short name, number and type from the header."""

    def __init__(self, setname, name, num, comment):
        self.set, self.name, self.num = setname, name, num
        m = re.match(r"(u8|u16|u32|u64|s8|s16|s32|s64|string|pad|nest|flag|binary)"
                     r"(, repeated)?(?: of ([\w-]+))?", comment or "")
        if not m:
            raise ValueError(f"{HEADER}: no type for {setname} {name}: {comment!r}")
        self.kind = m.group(1)
        self.multi = bool(m.group(2))
        self.nested = m.group(3).replace("-", "_") if m.group(3) else None
        self.full = f"MEMQOS_A_{setname.upper()}_{name}"
        # A documented range "(lo..hi)"; hi None when it names another
        # attribute ("(0..threshold)").
        r = re.search(r"\((\d+)\.\.(\d+|[a-z][\w-]*)\)", comment or "")
        self.range = None
        if r:
            self.range = (int(r.group(1)), int(r.group(2)) if r.group(2).isdigit() else None)

    def __repr__(self):
        return f"<{self.full}={self.num} {self.kind}{'*' if self.multi else ''}>"


class AttrSet:
    def __init__(self, name, attrs, maxnum):
        self.name = name
        self.attrs = attrs                       # in number order
        self.by_name = {a.name: a for a in attrs}
        self.by_num = {a.num: a for a in attrs}
        self.by_full = {a.full: a for a in attrs}
        self.max = maxnum

    def attr(self, name):
        return self.by_name[name]

    def num(self, name):
        return self.by_name[name].num


def _comment_text(pieces):
    text = " ".join(pieces)
    text = text.replace("/*", " ").replace("*/", " ")
    text = re.sub(r"(^|\s)\*(\s|$)", " ", text)
    return " ".join(text.split())


def _eval(expr, known):
    expr = re.sub(r"[A-Za-z_]\w*", lambda m: str(known[m.group(0)]), expr)
    if not re.fullmatch(r"[\d\s+\-()]+", expr):
        raise ValueError(f"cannot evaluate enum value {expr!r}")
    return eval(expr, {"__builtins__": {}})  # digits and +- only


def parse_header(text):
    """Returns (defines, enums): defines maps MEMQOS_* macros to ints or
    strings; enums maps each enum's name to [(entry, value, comment)]."""
    defines = {}
    for m in re.finditer(r"^#define\s+(MEMQOS_\w+)\s+(.+?)\s*$", text, re.M):
        val = m.group(2)
        if val.startswith('"'):
            defines[m.group(1)] = val.strip('"')
        else:
            num = re.fullmatch(r"(0x[0-9a-fA-F]+|\d+)[uUlL]*", val)
            if num:
                defines[m.group(1)] = int(num.group(1), 0)
    enums = {}
    for m in re.finditer(r"^enum\s+(\w+)\s*\{(.*?)^\};", text, re.M | re.S):
        entries, known, nxt, pending = [], {}, 0, None
        lines = m.group(2).split("\n")
        i = 0
        while i < len(lines):
            s = lines[i].strip()
            if s.startswith("/*"):
                pieces = [s]
                while "*/" not in pieces[-1]:
                    i += 1
                    pieces.append(lines[i].strip())
                pending = _comment_text(pieces)
            elif s:
                e = re.match(r"(\w+)\s*(?:=\s*([^,/]+?))?\s*,?\s*(?:/\*(.*?)\*/)?\s*$", s)
                if not e:
                    raise ValueError(f"{HEADER}: cannot parse enum line {s!r}")
                name, expr, trailing = e.groups()
                value = _eval(expr, known) if expr else nxt
                known[name] = value
                nxt = value + 1
                comment = " ".join(trailing.split()) if trailing else pending
                entries.append((name, value, comment))
                pending = None
            i += 1
        enums[m.group(1)] = entries
    return defines, enums


SPEC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                    "Documentation/netlink/specs/memqos.yaml")


def _short(name):
    return name.upper().replace("-", "_")


class Op:
    """One operation of the spec, by the header's short names: attribute
    set, do, dump, admin-perm, notification (mcgrp), and the attributes
    its requests may carry and its replies carry."""

    def __init__(self, spec_op):
        self.name = _short(spec_op["name"])
        self.set = spec_op["attribute-set"].replace("-", "_")
        self.do, self.dump = "do" in spec_op, "dump" in spec_op
        self.admin = "admin-perm" in spec_op.get("flags", [])
        self.ntf = "mcgrp" in spec_op
        self.request, self.reply = set(), set()
        for mode in ("do", "dump"):
            for part, names in (("request", self.request), ("reply", self.reply)):
                attrs = (spec_op.get(mode) or {}).get(part, {}).get("attributes", [])
                names.update(_short(a) for a in attrs)

    def __repr__(self):
        return (f"<{self.name} {self.set} {'do ' if self.do else ''}"
                f"{'dump ' if self.dump else ''}{'admin ' if self.admin else ''}"
                f"{'ntf' if self.ntf else ''}>")


def load_ops(path=SPEC):
    """{short name: Op} from the spec's operations (python3-yaml, which
    scripts/deps.sh installs with the check group)."""
    import yaml
    with open(path) as f:
        spec = yaml.safe_load(f)
    return {o.name: o for o in map(Op, spec["operations"]["list"])}


class Uapi:
    """Everything numeric about the family, from the header."""

    def __init__(self, path=HEADER):
        with open(path) as f:
            self.defines, self.enums = parse_header(f.read())
        d = self.defines
        self.FAMILY_NAME = d["MEMQOS_FAMILY_NAME"]
        self.FAMILY_VERSION = d["MEMQOS_FAMILY_VERSION"]
        self.HIST_BUCKETS = d["MEMQOS_HIST_BUCKETS"]
        self.UNLIMITED = d["MEMQOS_UNLIMITED"]
        self.MCGRP_EVENTS = d["MEMQOS_MCGRP_EVENTS"]
        self.STALL_KINDS = {n[len("MEMQOS_STALL_KIND_"):]: v
                            for n, v, _ in self.enums["memqos_stall_kind"]
                            if not n.startswith("__")}
        self.CMD = {}
        for n, v, _ in self.enums["memqos_cmd"]:
            short = n[len("MEMQOS_CMD_"):] if n.startswith("MEMQOS_CMD_") else None
            if short and short not in ("UNSPEC", "MAX"):
                self.CMD[short] = v
        self.CMD_MAX = dict((n, v) for n, v, _ in self.enums["memqos_cmd"])["MEMQOS_CMD_MAX"]
        self.CMD_NAME = {v: k for k, v in self.CMD.items()}
        self.SETS = {}
        for ename, entries in self.enums.items():
            if not ename.startswith("memqos_a_"):
                continue
            setname = ename[len("memqos_a_"):]
            prefix = f"MEMQOS_A_{setname.upper()}_"
            attrs, maxnum = [], None
            for n, v, comment in entries:
                short = n[len(prefix):]
                if n == prefix + "MAX":
                    maxnum = v
                elif n.startswith("__") or short == "UNSPEC":
                    continue
                else:
                    attrs.append(Attr(setname, short, v, comment))
            self.SETS[setname] = AttrSet(setname, attrs, maxnum)
        self.OPS = load_ops()
        self._check_spec()

    def _check_spec(self):
        """The spec and the header must name the same commands and
        attributes: a mismatch means a stale header (scripts/gen-uapi.py)."""
        if set(self.CMD) != set(self.OPS):
            raise ValueError(f"{HEADER} and {SPEC} differ in commands: "
                             f"{set(self.CMD) ^ set(self.OPS)}")
        for op in self.OPS.values():
            unknown = (op.request | op.reply) - set(self.SETS[op.set].by_name)
            if unknown:
                raise ValueError(f"{SPEC}: {op.name} names {unknown}, not in "
                                 f"{HEADER}'s {op.set} set")

    def cmd_set(self, cmd):
        """The AttrSet of command number or name @cmd."""
        name = cmd if isinstance(cmd, str) else self.CMD_NAME[cmd]
        return self.SETS[self.OPS[name].set]

    def requests(self):
        """Names of the commands a client may send (not notifications)."""
        return [n for n in self.CMD if not self.OPS[n].ntf]


H = Uapi()


# ---- raw netlink: builders and parsers (struct only) ----

def align4(n):
    return (n + 3) & ~3


def nla(atype, data):
    """One attribute, padded to 4 bytes (the header's len excludes padding)."""
    return struct.pack("HH", 4 + len(data), atype) + data + b"\0" * (align4(len(data)) - len(data))


def nla_u8(t, v):
    return nla(t, struct.pack("B", v))


def nla_u32(t, v):
    return nla(t, struct.pack("I", v))


def nla_u64(t, v):
    return nla(t, struct.pack("Q", v))


def nla_str(t, s):
    return nla(t, s.encode() + b"\0")


def genlhdr(cmd, version=None, reserved=0):
    return struct.pack("BBH", cmd, H.FAMILY_VERSION if version is None else version,
                       reserved)


def nlmsg(mtype, flags, seq, payload, pid=0, length=None):
    """A netlink message; @length overrides nlmsg_len (for malformed ones)."""
    n = 16 + len(payload) if length is None else length
    return struct.pack("IHHII", n, mtype, flags, seq, pid) + payload


def split_msgs(buf):
    """[(type, flags, seq, payload memoryview)] of a received buffer."""
    out, off, mv = [], 0, memoryview(buf)
    while off + 16 <= len(buf):
        length, mtype, flags, seq, _ = struct.unpack_from("IHHII", buf, off)
        if length < 16 or off + length > len(buf):
            raise ValueError(f"bad nlmsg_len {length} at {off} of {len(buf)}")
        out.append((mtype, flags, seq, mv[off + 16:off + length]))
        off += align4(length)
    if off < len(buf) and off + 16 > len(buf) and any(mv[off:]):
        raise ValueError(f"{len(buf) - off} trailing bytes")
    return out


def parse_attrs(buf, off=0, end=None):
    """[(type without flags, flags, data memoryview)]; raises on a bad len."""
    mv = memoryview(buf)
    end = len(buf) if end is None else end
    out = []
    while off + 4 <= end:
        alen, atype = struct.unpack_from("HH", mv, off)
        if alen < 4 or off + alen > end:
            raise ValueError(f"bad nla_len {alen} at {off}")
        out.append((atype & NLA_TYPE_MASK, atype & ~NLA_TYPE_MASK, mv[off + 4:off + alen]))
        off += align4(alen)
    if off < end:
        raise ValueError(f"{end - off} bytes after the last attribute")
    return out


def parse_ack(mtype, flags, payload):
    """(errno, ext-ack msg, ext-ack offset) of NLMSG_ERROR/NLMSG_DONE."""
    (err,) = struct.unpack_from("i", payload, 0)
    off = 4
    if mtype == NLMSG_ERROR:
        if len(payload) >= 4 + 16:
            (inner_len,) = struct.unpack_from("I", payload, 4)
            off += 16 if flags & NLM_F_CAPPED else align4(inner_len)
    msg = offs = None
    if flags & NLM_F_ACK_TLVS and off < len(payload):
        for t, _, data in parse_attrs(payload, off):
            if t == NLMSGERR_ATTR_MSG:
                msg = bytes(data).rstrip(b"\0").decode(errors="replace")
            elif t == NLMSGERR_ATTR_OFFS:
                (offs,) = struct.unpack("I", data[:4])
    return -err, msg, offs


U_FMT = {"u8": "B", "u16": "H", "u32": "I", "u64": "Q",
         "s8": "b", "s16": "h", "s32": "i", "s64": "q"}


def decode_raw(aset, payload, off=4):
    """A message's (or a nest's) attributes as {short name: value}, decoded
    by struct from the header's types; repeated ones as lists, unknown
    numbers under "UNKNOWN" (a list of their numbers). Strict: a value of
    the wrong length raises ValueError."""
    out = {}
    for t, _, data in parse_attrs(payload, off):
        a = aset.by_num.get(t)
        if a is None:
            out.setdefault("UNKNOWN", []).append(t)
            continue
        if a.kind == "pad":
            continue
        if a.kind in U_FMT:
            if len(data) != struct.calcsize(U_FMT[a.kind]):
                raise ValueError(f"{a.full}: {len(data)} bytes")
            val = struct.unpack(U_FMT[a.kind], data)[0]
        elif a.kind == "string":
            if not len(data) or data[-1] != 0:
                raise ValueError(f"{a.full}: not NUL-terminated")
            val = bytes(data[:-1]).decode()
        elif a.kind == "nest":
            val = decode_raw(H.SETS[a.nested], data, 0)
        else:
            val = bytes(data)
        if a.multi:
            out.setdefault(a.name, []).append(val)
        else:
            out[a.name] = val
    return out


def cgroup_id_path(payload):
    """(id, path) of a CGROUP_GET message, the two attributes only: fast."""
    cid = path = None
    ida, patha = H.SETS["cgroup"].num("ID"), H.SETS["cgroup"].num("PATH")
    off, end = 4, len(payload)
    while off + 4 <= end and (cid is None or path is None):
        alen, atype = struct.unpack_from("HH", payload, off)
        if alen < 4:
            raise ValueError("bad nla_len")
        if atype == ida:
            (cid,) = struct.unpack_from("Q", payload, off + 4)
        elif atype == patha:
            path = bytes(payload[off + 4:off + alen - 1]).decode()
        off += align4(alen)
    return cid, path


class RawSocket:
    """A plain AF_NETLINK/NETLINK_GENERIC socket with ext-ack on."""

    def __init__(self, rcvbuf=None, timeout=10.0):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                  NETLINK_GENERIC)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.sock.bind((0, 0))
        self.sock.settimeout(timeout)
        self.seq = 1000

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def next_seq(self):
        self.seq += 1
        return self.seq

    def send(self, data):
        self.sock.send(data)

    def recv(self, bufsize=1 << 16):
        return self.sock.recv(bufsize)

    def join(self, group_id):
        self.sock.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group_id)


# ---- pyroute2: message classes from the header ----

_P2_TYPE = {"u8": "uint8", "u16": "uint16", "u32": "uint32", "u64": "uint64",
            "s8": "int8", "s16": "int16", "s32": "int32", "s64": "int64",
            "string": "asciiz", "pad": "hex", "flag": "flag", "binary": "hex"}


def _p2_class(setname, base, cache={}):
    key = (setname, base)
    if key in cache:
        return cache[key]
    aset = H.SETS[setname]
    ns = {}
    nla_map = [(0, f"MEMQOS_A_{setname.upper()}_UNSPEC", "none")]
    for a in aset.attrs:
        if a.kind == "nest":
            ns["nest_" + a.nested] = _p2_class(a.nested, p2_nla)
            nla_map.append((a.num, a.full, "nest_" + a.nested))
        else:
            nla_map.append((a.num, a.full, _P2_TYPE[a.kind]))
    ns["nla_map"] = tuple(nla_map)
    cls = type(f"memqos_{setname}_{base.__name__}", (base,), ns)
    cache[key] = cls
    return cls


MSG_CLASS = {cmd: _p2_class(op.set, genlmsg) for cmd, op in H.OPS.items()
             if cmd in H.CMD}


def p2_to_dict(msg, setname):
    """A pyroute2-decoded message or nest as {short name: value}."""
    aset = H.SETS[setname]
    out = {}
    for name, value in msg["attrs"]:
        a = aset.by_full.get(name)
        if a is None:
            t = value["header"]["type"] if isinstance(value, dict) and "header" in value else name
            out.setdefault("UNKNOWN", []).append(t)
            continue
        if a.kind == "pad":
            continue
        if a.kind == "nest":
            value = p2_to_dict(value, a.nested)
        if a.multi:
            out.setdefault(a.name, []).append(value)
        else:
            out[a.name] = value
    return out


def errname(err):
    """"EINVAL" for 22; EOPNOTSUPP (not python's ENOTSUP) for 95."""
    if err == errno.EOPNOTSUPP:
        return "EOPNOTSUPP"
    return errno.errorcode.get(err, str(err))


class NlError(Exception):
    def __init__(self, err, msg=None, offs=None):
        super().__init__(err, msg)
        self.errno, self.msg, self.offs = err, msg, offs

    def __str__(self):
        return (f"{errname(self.errno)}"
                f"{': ' + self.msg if self.msg else ''}")


class Reply:
    """What a request got back: decoded messages (dicts), their netlink
    flags and commands, the number of recv() calls, and DUMP_INTR."""

    def __init__(self):
        self.msgs, self.flags, self.cmds = [], [], []
        self.batches = 0
        self.bytes = 0
        self.intr = False
        self.seconds = 0.0

    @property
    def attrs(self):
        return self.msgs[0] if self.msgs else {}


class Memqos(GenericNetlinkSocket):
    """pyroute2's generic netlink socket bound to the memqos family."""

    def __init__(self, rcvbuf=1 << 20, timeout=30.0):
        super().__init__(ext_ack=True, rcvbuf=rcvbuf)
        self.bind(H.FAMILY_NAME, genlmsg)
        self.settimeout(timeout)
        self._seq = int(time.monotonic() * 1000) & 0xFFFFFF
        self.pending_events = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def family_info(self):
        """The nlctrl view: {"id", "version", "maxattr", "ops": {cmd: flags},
        "groups": {name: id}}."""
        msg = self.discovery(H.FAMILY_NAME)
        ops = {}
        for op in msg.get_attr("CTRL_ATTR_OPS", []):
            ops[op.get_attr("CTRL_ATTR_OP_ID")] = op.get_attr("CTRL_ATTR_OP_FLAGS")
        groups = {g.get_attr("CTRL_ATTR_MCAST_GRP_NAME"): g.get_attr("CTRL_ATTR_MCAST_GRP_ID")
                  for g in msg.get_attr("CTRL_ATTR_MCAST_GROUPS", [])}
        return {"id": msg.get_attr("CTRL_ATTR_FAMILY_ID"),
                "name": msg.get_attr("CTRL_ATTR_FAMILY_NAME"),
                "version": msg.get_attr("CTRL_ATTR_VERSION"),
                "maxattr": msg.get_attr("CTRL_ATTR_MAXATTR"),
                "ops": ops, "groups": groups}

    def encode(self, cmd, attrs, flags, seq):
        """A request encoded by pyroute2; @attrs: {short name: value}."""
        aset = H.cmd_set(cmd)
        msg = MSG_CLASS[cmd]()
        msg["cmd"] = H.CMD[cmd]
        msg["version"] = H.FAMILY_VERSION
        msg["reserved"] = 0
        msg["attrs"] = [(aset.attr(k).full, v) for k, v in attrs.items()]
        msg["header"]["type"] = self.prid
        msg["header"]["flags"] = flags
        msg["header"]["sequence_number"] = seq
        msg["header"]["pid"] = 0
        msg.encode()
        return bytes(msg.data)

    def decode(self, payload_msg_bytes, cmd_num):
        cls = MSG_CLASS.get(H.CMD_NAME.get(cmd_num))
        if cls is None:
            raise ValueError(f"reply with unknown command {cmd_num}")
        m = cls(bytes(payload_msg_bytes))
        m.decode()
        return p2_to_dict(m, H.OPS[H.CMD_NAME[cmd_num]].set)

    def request(self, cmd, attrs=None, dump=False, bufsize=1 << 16, pause=0.0,
                on_batch=None, raw=False):
        """Sends @cmd and collects its replies up to the ACK or NLMSG_DONE.
        raw: keep each reply's payload bytes instead of decoding it.
        on_batch(n): called after the n-th recv()."""
        seq = self._seq = (self._seq + 1) & 0xFFFFFFFF or 1
        flags = NLM_F_REQUEST | (NLM_F_DUMP if dump else NLM_F_ACK)
        self.sendto(self.encode(cmd, attrs or {}, flags, seq), (0, 0))
        rep = Reply()
        t0 = time.monotonic()
        while True:
            buf = self.recv(bufsize)
            rep.batches += 1
            rep.bytes += len(buf)
            done = False
            for mtype, mflags, mseq, payload in split_msgs(buf):
                if mseq != seq:
                    if mtype == self.prid and mseq == 0:
                        self.pending_events.append(bytes(payload))
                    continue
                if mflags & NLM_F_DUMP_INTR:
                    rep.intr = True
                if mtype in (NLMSG_ERROR, NLMSG_DONE):
                    err, msg, offs = parse_ack(mtype, mflags, payload)
                    if err:
                        raise NlError(err, msg, offs)
                    done = True
                elif mtype == self.prid:
                    rep.flags.append(mflags)
                    rep.cmds.append(payload[0])
                    if raw:
                        rep.msgs.append(bytes(payload))
                    else:
                        full = struct.pack("IHHII", 16 + len(payload), mtype, mflags,
                                           mseq, 0) + bytes(payload)
                        rep.msgs.append(self.decode(full, payload[0]))
            if on_batch:
                on_batch(rep.batches)
            if done:
                break
            if pause:
                time.sleep(pause)
        rep.seconds = time.monotonic() - t0
        return rep

    def do(self, cmd, **attrs):
        return self.request(cmd, attrs)

    def dump(self, cmd, **kw):
        return self.request(cmd, dump=True, **kw)

    # Conveniences.
    def version(self):
        return self.do("GET_VERSION").attrs

    def config_get(self):
        return self.do("CONFIG_GET").attrs

    def config_set(self, **vals):
        return self.do("CONFIG_SET", **vals)

    def stats_get(self):
        return self.do("STATS_GET").attrs

    def cgroups(self):
        return self.dump("CGROUP_GET").msgs

    def oom_kills(self):
        return self.dump("OOM_KILLS_GET").msgs

    def join(self, group=None):
        self.add_membership(group or H.MCGRP_EVENTS)

    def events_settled(self):
        """STATS_GET once the module's event work has sent or dropped every
        event raised (up to 20 s)."""
        for _ in range(400):
            st = self.stats_get()
            if st["EVENTS_SENT"] + st["EVENTS_DROPPED"] == st["EVENTS_SEQ"]:
                return st
            time.sleep(0.05)
        return st

    def events(self, timeout, until=None, bufsize=1 << 16):
        """Multicast events received within @timeout s (or until
        until(event) is true), each a dict with "cmd" (name), the decoded
        attributes, "t_recv" (time.time_ns() at receipt) and "raw"."""
        out = []
        deadline = time.monotonic() + timeout
        for payload in self.pending_events:
            out.append(self._event(payload, time.time_ns()))
        self.pending_events = []
        if until and any(until(e) for e in out):
            return out
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return out
            r, _, _ = select.select([self.fileno()], [], [], left)
            if not r:
                return out
            buf = self.recv(bufsize)
            now = time.time_ns()
            hit = False
            for mtype, mflags, mseq, payload in split_msgs(buf):
                if mtype != self.prid or mseq != 0:
                    continue
                e = self._event(bytes(payload), now)
                out.append(e)
                hit = hit or (until is not None and until(e))
            if hit:
                return out

    def _event(self, payload, now):
        cmd = payload[0]
        full = struct.pack("IHHII", 16 + len(payload), self.prid, 0, 0, 0) + payload
        e = self.decode(full, cmd)
        e["cmd"] = H.CMD_NAME.get(cmd, cmd)
        e["t_recv"] = now
        e["raw"] = payload
        return e
