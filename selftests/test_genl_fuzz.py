#!/usr/bin/python3
"""Generic netlink input validation: malformed requests on a raw
AF_NETLINK socket (struct-packed, numbers from the UAPI header), then a
structure-aware random fuzzer built from the header's attribute types.

Proves, case by case: wrong attribute lengths, strings without NUL or
longer than PATH_MAX, a select bitmap longer than 32 bytes (do and
dump: ERANGE), unknown attribute types, unexpected or broken
nesting, broken attribute framing, a missing or truncated genl header, a
nonzero reserved field, unknown and notification-only command numbers,
NLM_F_DUMP on do-only commands and do on the dump-only one, reserved
nlmsg flags, attributes on commands that take none, every out-of-range
config value (ranges read from the header's comments), hysteresis above
threshold, an empty CONFIG_SET, a CONFIG_SET with one bad value among good
ones, and each attribute of a request's set that the spec does not list
for that request (one check per request) are each rejected with the
right errno (EINVAL, ERANGE, EOPNOTSUPP, ENOENT) and, where the kernel
gives one, an extended-ack message; none of them changes the config.

Then at least 100,000 random and mutated messages (fixed seed, printed;
MEMQOS_FUZZ_SEED and MEMQOS_FUZZ_N override; half the attributes drawn from
the spec's request lists, so that many get past the policy) over all
commands, including
CONFIG_SET and RESET: every reply is a well-formed ACK, error, DONE or
memqos message that decodes strictly with the header's types; no errno
outside the expected set; no hang (socket timeout); the config at the end
is exactly what the accepted CONFIG_SETs, replayed on a model, predict,
and is then restored; the module still answers. Any kernel WARN is caught
by the harness's dmesg check. Prints messages per second.

    /sys/fs/cgroup
    `-- memqos-gf         a target for ids and paths
        `-- child
"""
import errno
import os
import random
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import genl  # noqa: E402
import ktap  # noqa: E402
import memqos  # noqa: E402
from genl import H, nla, nla_str, nla_u32, nla_u64, nlmsg, genlhdr  # noqa: E402

REQ, ACK, DUMP = genl.NLM_F_REQUEST, genl.NLM_F_ACK, genl.NLM_F_DUMP
PATH_MAX = 4096
CFG = H.SETS["config"]
CG = H.SETS["cgroup"]
# Config ranges as the spec documents them: "(lo..hi)" in the header's
# comment of each config attribute. Hysteresis is "(0..threshold)".
RANGES = {a.name: a.range for a in CFG.attrs if a.range}
ALLOWED_ERRNOS = {0, errno.EINVAL, errno.ERANGE, errno.EOPNOTSUPP,
                  errno.ENOENT, errno.EBUSY}


class Conn:
    def __init__(self, family):
        self.s = genl.RawSocket(rcvbuf=4 << 20, timeout=10)
        self.fam = family

    def msg(self, cmd, attrs=b"", flags=REQ | ACK, seq=0, reserved=0, version=None):
        return nlmsg(self.fam, flags, seq, genlhdr(cmd, version, reserved) + attrs)

    def exchange(self, data, seq):
        """Sends one message; returns (errno, ext-ack msg, replies) once the
        NLMSG_ERROR or NLMSG_DONE of @seq arrives."""
        self.s.send(data)
        replies = []
        while True:
            for mtype, mflags, mseq, payload in genl.split_msgs(self.s.recv(1 << 17)):
                if mseq != seq:
                    continue
                if mtype in (genl.NLMSG_ERROR, genl.NLMSG_DONE):
                    err, msg, _ = genl.parse_ack(mtype, mflags, payload)
                    return err, msg, replies
                replies.append((mtype, mflags, bytes(payload)))


def config_debugfs():
    return memqos.read_pairs("config")


# ---- targeted cases ----

def cases(c, cgid):
    cmd = H.CMD
    ida, patha = CG.num("ID"), CG.num("PATH")
    hist = CG.attr("HIST")
    out = []

    def add(desc, cmdname_or_num, attrs=b"", want=errno.EINVAL, ext=None, **kw):
        num = cmd[cmdname_or_num] if isinstance(cmdname_or_num, str) else cmdname_or_num
        out.append((desc, num, attrs, want, ext, kw))

    add("u64 id with 4 bytes", "CGROUP_GET", nla(ida, b"\1\0\0\0"),
        ext="invalid attribute length")
    add("u64 id with 12 bytes", "CGROUP_GET", nla(ida, struct.pack("QI", cgid, 0)),
        ext="invalid attribute length")
    add("path without NUL", "CGROUP_GET", nla(patha, b"/memqos-gf"),
        ext="policy validation")
    add("path longer than PATH_MAX", "CGROUP_GET", nla_str(patha, "/" + "a" * 5000),
        ext="policy validation")
    add("path of PATH_MAX-1 characters passes the policy, is ENOENT", "CGROUP_GET",
        nla_str(patha, "/" + "a" * (PATH_MAX - 2)), want=errno.ENOENT, ext=True)
    add("empty path", "CGROUP_GET", nla_str(patha, ""), ext=True)
    add("unknown attribute type (set max + 1)", "CGROUP_GET",
        nla_u64(CG.max + 1, cgid), ext="Unknown attribute type")
    add("select bitmap of 33 bytes (32 at most)", "CGROUP_GET",
        nla_u64(ida, cgid) + nla(CG.num("SELECT"), b"\xff" * 33),
        want=errno.ERANGE, ext="policy validation")
    add("dump with a select bitmap of 33 bytes", "CGROUP_GET",
        nla(CG.num("SELECT"), b"\xff" * 33), want=errno.ERANGE,
        ext="policy validation", flags=REQ | ACK | DUMP)
    add("attribute type 0", "CGROUP_GET", nla_u64(0, cgid),
        ext="Unknown attribute type")
    add("NLA_F_NESTED on a u64", "CGROUP_GET",
        nla(ida | genl.NLA_F_NESTED, struct.pack("Q", cgid)),
        ext="NLA_F_NESTED not expected")
    # hist is below the policy's last attribute (select): not "unknown"
    add("a nest the request does not take", "CGROUP_GET",
        nla(hist.num | genl.NLA_F_NESTED, nla_u32(H.SETS["hist"].num("KIND"), 0)),
        ext="Unsupported attribute")
    add("a nest whose inner length runs past it", "CGROUP_GET",
        nla(ida | genl.NLA_F_NESTED, struct.pack("HH", 200, 1) + b"\0" * 4))
    add("attribute length below its header", "CGROUP_GET",
        struct.pack("HH", 2, ida) + b"\0" * 8, ext="bytes leftover")
    add("attribute length past the message", "CGROUP_GET",
        struct.pack("HH", 64, ida) + struct.pack("Q", cgid), ext="bytes leftover")
    add("nonzero genl reserved field", "GET_VERSION", reserved=1,
        ext="reserved field is not 0")
    for n in (0, H.CMD_MAX + 1, 255) + tuple(v for k, v in cmd.items()
                                           if H.OPS[k].ntf):
        add(f"command {n} ({H.CMD_NAME.get(n, 'unknown')}) is not a request",
            n, want=errno.EOPNOTSUPP)
    for name in H.requests():
        if H.OPS[name].do and not H.OPS[name].dump:
            add(f"NLM_F_DUMP on do-only {name}", name, flags=REQ | DUMP,
                want=errno.EOPNOTSUPP)
        if H.OPS[name].dump and not H.OPS[name].do:
            add(f"do on dump-only {name}", name, want=errno.EOPNOTSUPP)
    add("reserved nlmsg flag 0x20", "GET_VERSION", flags=REQ | ACK | 0x20,
        ext="reserved bits")
    add("NLM_F_ROOT without NLM_F_MATCH", "CGROUP_GET",
        flags=REQ | ACK | genl.NLM_F_ROOT, ext="reserved bits")
    for name, (lo, hi) in RANGES.items():
        if hi is None:
            continue        # relative to another value: tested below
        for v in ([lo - 1] if lo > 0 else []) + [hi + 1, 0xFFFFFFFF]:
            add(f"CONFIG_SET {name}={v} out of range", "CONFIG_SET",
                nla_u32(CFG.num(name), v), want=errno.ERANGE, ext="out of range")
    add("CONFIG_SET hysteresis above threshold", "CONFIG_SET",
        nla_u32(CFG.num("PRESSURE_THRESHOLD_PERMILLE"), 10) +
        nla_u32(CFG.num("PRESSURE_HYSTERESIS_PERMILLE"), 20), ext=True)
    add("CONFIG_SET with no attribute", "CONFIG_SET", ext=True)
    add("CONFIG_SET u32 with 8 bytes", "CONFIG_SET",
        nla_u64(CFG.num("EVENT_INTERVAL_MS"), 1000), ext="invalid attribute length")
    add("CONFIG_SET: one bad value among good ones", "CONFIG_SET",
        nla_u32(CFG.num("MAX_CGROUPS"), 1234) +
        nla_u32(CFG.num("OOM_RING_ENTRIES"), 128) +
        nla_u32(CFG.num("STORM_RECLAIMS_PER_SEC"), 77) +
        nla_u32(CFG.num("EVENT_INTERVAL_MS"), 50), want=errno.ERANGE,
        ext="out of range")
    add("CONFIG_SET: good values with hysteresis above threshold (no ring resize)",
        "CONFIG_SET", nla_u32(CFG.num("OOM_RING_ENTRIES"), 256) +
        nla_u32(CFG.num("MAX_CGROUPS"), 4321) +
        nla_u32(CFG.num("PRESSURE_HYSTERESIS_PERMILLE"), 900), ext=True)
    add("RESET cgroup id 0", "RESET", nla_u64(H.SETS["reset"].num("CGROUP_ID"), 0),
        want=errno.ERANGE, ext="out of range")
    add("RESET an unknown cgroup id", "RESET",
        nla_u64(H.SETS["reset"].num("CGROUP_ID"), 1 << 62), want=errno.ENOENT,
        ext=True)
    return out


def unlisted_cases():
    """{request: [(attribute name, the attribute)]}: each attribute of a
    request's set that the spec does not list among the request's
    attributes (the replies' ones), alone, with a well-formed value."""
    out = {}
    for name in H.requests():
        op, aset = H.OPS[name], H.cmd_set(name)
        for a in aset.attrs:
            if a.name in op.request or a.kind == "pad":
                continue
            data = b"" if a.kind in ("nest", "flag") else \
                b"/\0" if a.kind == "string" else b"\0" * U_SIZES.get(a.kind, 4)
            t = a.num | (genl.NLA_F_NESTED if a.kind == "nest" else 0)
            out.setdefault(name, []).append((a.name, nla(t, data)))
    return out


def run_case(c, seq, num, attrs, want, ext, kw):
    """Sends one targeted case; (ok, what came back). ext: a substring of
    the kernel core's ext-ack message, or True for any message (the
    module's own wording may change)."""
    flags = kw.get("flags", REQ | ACK)
    kw = {k: v for k, v in kw.items() if k != "flags"}
    err, msg, replies = c.exchange(c.msg(num, attrs, flags=flags, seq=seq, **kw), seq)
    ok = err == want and not replies and (
        ext is None or (ext is True and bool(msg)) or
        (isinstance(ext, str) and msg is not None and ext in msg))
    return ok, f"{genl.errname(err)} {msg!r} ({len(replies)} replies)"


def framing_cases(c):
    """Messages whose genl header is missing or cut short."""
    return [("no genl header", nlmsg(c.fam, REQ | ACK, 0, b"")),
            ("genl header cut to 2 bytes", nlmsg(c.fam, REQ | ACK, 0, b"\1\1"))]


# ---- the random fuzzer ----

U_SIZES = {"u8": 1, "u16": 2, "u32": 4, "u64": 8}


class Fuzzer:
    def __init__(self, rng, ids, paths):
        self.r = rng
        self.ids = ids
        self.paths = paths
        self.requests = [H.CMD[n] for n in H.requests()]

    def value(self, a):
        r = self.r
        size = U_SIZES.get(a.kind)
        if size:
            if a.set == "config" and r.random() < 0.8:
                lo, hi = RANGES.get(a.name, (0, 100))
                hi = 1000 if hi is None else hi
                v = r.choice([lo - 1 if lo else 0, lo, lo + 1, hi - 1, hi, hi + 1,
                              r.randint(lo, hi), r.getrandbits(32)])
            elif a.name in ("ID", "CGROUP_ID") and r.random() < 0.7:
                v = r.choice(self.ids)
            else:
                v = r.choice([0, 1, (1 << (8 * size)) - 1, r.getrandbits(8 * size)])
            v &= (1 << (8 * size)) - 1
            data = v.to_bytes(size, "little")
            if r.random() < 0.15:
                data = r.randbytes(r.choice([0, 1, 2, 3, 5, 7, 9, 12, 16]))
            return data
        if a.kind == "string":
            s = r.choice(self.paths + ["", "relative", "//", "/..", "/./memqos-gf",
                                       "/" + "x" * r.randint(1, 300),
                                       "/" + "y" * r.choice([4094, 4095, 4096, 6000])])
            data = s.encode()
            k = r.random()
            if k < 0.75:
                data += b"\0"
            elif k < 0.85:
                data += b"\0" + r.randbytes(r.randint(1, 8))
            elif k < 0.9:
                data = r.randbytes(r.randint(0, 40))
            return data
        if a.kind == "nest":
            return self.attrs(H.SETS[a.nested], depth=1)
        return r.randbytes(r.choice([0, 4, 8]))

    def attrs(self, aset, depth=0, request=()):
        """Random attributes of @aset, mostly those the spec lists in
        @request (the ones the command takes), to get past the policy."""
        r = self.r
        out = b""
        take = [aset.attr(n) for n in sorted(request)]
        for _ in range(r.choice([0, 1, 1, 2, 2, 3, 4, 6])):
            k = r.random()
            if k < 0.5 and take:
                a = r.choice(take)
                t, data = a.num, self.value(a)
            elif k < 0.8 and aset.attrs:
                a = r.choice(aset.attrs)
                t, data = a.num, self.value(a)
                if a.kind == "nest" and r.random() < 0.8:
                    t |= genl.NLA_F_NESTED
            else:
                t = r.choice([0, aset.max + 1, aset.max + 2, r.getrandbits(14)])
                data = r.randbytes(r.choice([0, 1, 4, 8, 13]))
                if depth < 3 and r.random() < 0.2:
                    t |= genl.NLA_F_NESTED
                    data = self.attrs(aset, depth + 1)
            if r.random() < 0.04:
                t ^= r.choice([genl.NLA_F_NESTED, genl.NLA_F_NET_BYTEORDER])
            one = nla(t & 0xFFFF, data)
            if r.random() < 0.04:      # break the attribute's own length
                bad = r.choice([0, 1, 3, 4, len(one) - 1, len(one) + 4, 0xFFFF])
                one = struct.pack("H", bad & 0xFFFF) + one[2:]
            out += one
        return out

    def message(self, fam, seq):
        """(bytes, framing_ok, cmd, flags)."""
        r = self.r
        cmd = r.choice(self.requests) if r.random() < 0.88 else r.randrange(256)
        aset = H.cmd_set(cmd) if cmd in H.CMD_NAME else r.choice(list(H.SETS.values()))
        k = r.random()
        if k < 0.6:
            flags = REQ | ACK
        elif k < 0.8:
            flags = REQ | DUMP
        elif k < 0.85:
            flags = REQ | ACK | DUMP
        elif k < 0.9:
            flags = REQ
        elif k < 0.95:
            flags = r.choice([0, ACK, REQ | genl.NLM_F_ROOT, REQ | genl.NLM_F_ECHO | ACK])
        else:
            flags = r.getrandbits(16)
        version = H.FAMILY_VERSION if r.random() < 0.9 else r.randrange(256)
        reserved = 0 if r.random() < 0.97 else r.getrandbits(16)
        request = H.OPS[H.CMD_NAME[cmd]].request if cmd in H.CMD_NAME else ()
        payload = struct.pack("BBH", cmd, version, reserved) + \
            self.attrs(aset, request=request)
        mtype = fam if r.random() < 0.98 else r.choice([0x7FFF, r.getrandbits(16)])
        if cmd != H.CMD["CONFIG_SET"] and r.random() < 0.02:
            # Broken framing: a cut genl header, or a lying nlmsg_len.
            if r.random() < 0.5:
                payload = payload[:r.randrange(4)]
                return nlmsg(mtype, flags, seq, payload), True, cmd, flags
            n = r.choice([0, 8, 15, 16, 17, 19, 20, 16 + len(payload) - 1,
                          16 + len(payload) + 4, 0xFFFFFFFF])
            return nlmsg(mtype, flags, seq, payload, length=n), False, cmd, flags
        return nlmsg(mtype, flags, seq, payload), True, cmd, flags


def check_reply(fam, mtype, mflags, payload, problems):
    """A received message must be an ACK/error, a DONE, or a memqos reply
    that decodes strictly; returns its errno for an ACK/error/DONE."""
    try:
        if mtype in (genl.NLMSG_ERROR, genl.NLMSG_DONE):
            err, _, _ = genl.parse_ack(mtype, mflags, payload)
            return err
        if mtype == fam:
            cmd = payload[0]
            if cmd not in H.CMD_NAME or H.OPS[H.CMD_NAME[cmd]].ntf:
                problems.append(f"reply with command {cmd}")
                return None
            d = genl.decode_raw(H.cmd_set(cmd), payload)
            if "UNKNOWN" in d:
                problems.append(f"reply {H.CMD_NAME[cmd]} with unknown attrs {d['UNKNOWN']}")
            return None
        problems.append(f"message of type {mtype:#x}")
    except (ValueError, struct.error, UnicodeDecodeError) as e:
        problems.append(f"undecodable type {mtype:#x}: {e}")
    return None


def apply_model(model, attrs_bytes):
    """Replays an accepted CONFIG_SET on @model (the last of each wins)."""
    new = dict(model)
    for t, _, data in genl.parse_attrs(attrs_bytes):
        a = CFG.by_num.get(t)
        if a and len(data) == 4:
            new[a.name] = struct.unpack("I", data)[0]
    model.update(new)


def fuzz(c, fz, n, problems, errnos, model):
    """Sends @n messages, in batches of up to 16 well-framed ones or alone
    when misframed, each followed by a GET_VERSION sentinel (in its own
    send after a misframed one, whose lying length may swallow the rest of
    its skb). Returns (sent, seconds)."""
    seq = 1
    sent = 0
    t0 = time.monotonic()
    while sent < n:
        batch, alone = [], None
        while len(batch) < 16 and sent < n:
            seq += 1
            data, framing_ok, cmd, flags = fz.message(c.fam, seq)
            sent += 1
            if not framing_ok:
                alone = (seq, data, cmd, flags)
                break
            batch.append((seq, data, cmd, flags))
        for group in ([batch] if batch else []) + ([[alone]] if alone else []):
            seq += 1
            sentinel = c.msg(H.CMD["GET_VERSION"], seq=seq)
            # Each message starts 4-byte aligned, as the kernel walks them.
            data = b"".join(d + b"\0" * (genl.align4(len(d)) - len(d))
                            for _, d, _, _ in group)
            fz.last = group
            if group[0] is alone:
                c.s.send(data)
                c.s.send(sentinel)
            else:
                c.s.send(data + sentinel)
            failed = drain(c, seq, {s for s, _, _, _ in group}, problems, errnos)
            # CONFIG_SETs the kernel processed and did not refuse are
            # applied, acked or not (a request without NLM_F_ACK succeeds
            # silently).
            for s, d, cmd, flags in group:
                if cmd == H.CMD["CONFIG_SET"] and s not in failed and \
                        flags & REQ and struct.unpack_from("H", d, 4)[0] == c.fam:
                    apply_model(model, d[20:])
    return sent, time.monotonic() - t0


def drain(c, sentinel, seqs, problems, errnos):
    """Reads until the sentinel's ACK has come and every dump started by
    the batch has ended; returns the seqs that got an error."""
    got_sentinel = False
    open_dumps, failed = set(), set()
    while not got_sentinel or open_dumps:
        buf = c.s.recv(1 << 17)
        try:
            msgs = genl.split_msgs(buf)
        except ValueError as e:
            problems.append(f"bad framing from the kernel: {e}")
            return seqs
        for mtype, mflags, mseq, payload in msgs:
            err = check_reply(c.fam, mtype, mflags, payload, problems)
            if mseq == sentinel:
                if mtype == genl.NLMSG_ERROR:
                    got_sentinel = True
                continue
            if mtype == c.fam and mseq in seqs and mflags & genl.NLM_F_MULTI:
                open_dumps.add(mseq)
            if err is None:
                continue
            errnos[err] = errnos.get(err, 0) + 1
            if err not in ALLOWED_ERRNOS:
                problems.append(f"errno {genl.errname(err)} for seq {mseq}")
            open_dumps.discard(mseq)
            if err:
                failed.add(mseq)
    return failed


def main():
    seed = int(os.environ.get("MEMQOS_FUZZ_SEED", "20261123"))
    n = int(os.environ.get("MEMQOS_FUZZ_N", "100000"))
    with genl.Memqos() as nl:
        fam = nl.prid
    c = Conn(fam)
    ktap.cg_create("memqos-gf/child")
    cgid = memqos.cg_id("memqos-gf")

    # Targeted cases.
    all_cases = cases(c, cgid)
    frames = framing_cases(c)
    unlisted = unlisted_cases()
    ktap.print_header(len(all_cases) + len(unlisted) + len(frames) + 1 + 6)
    cfg0 = config_debugfs()
    seq = 100
    for desc, num, attrs, want, ext, kw in all_cases:
        seq += 1
        ok, got = run_case(c, seq, num, attrs, want, ext, kw)
        if not ok:
            ktap.print_msg(f"{desc}: got {got}")
        ktap.check(f"{desc}: {genl.errname(want)}" + (
            f' "{ext}"' if isinstance(ext, str) else " with a message" if ext
            else ""), ok)
    for name, attrs in unlisted.items():
        bad = []
        for aname, data in attrs:
            seq += 1
            ok, got = run_case(c, seq, H.CMD[name], data, errno.EINVAL, True,
                               {"flags": REQ | ACK | (DUMP if not H.OPS[name].do
                                                      else 0)})
            if not ok:
                bad.append(f"{aname}: {got}")
        for b in bad[:5]:
            ktap.print_msg(f"{name} with {b}")
        ktap.check(f"{name}: each of the {len(attrs)} attributes of its set the "
                   "spec does not list for its request is rejected, EINVAL "
                   "with a message", not bad)
    for desc, data in frames:
        seq += 1
        data = data[:8] + struct.pack("I", seq) + data[12:]
        err, msg, replies = c.exchange(data, seq)
        if err != errno.EINVAL:
            ktap.print_msg(f"{desc}: got {genl.errname(err)} {msg!r}")
        ktap.check(f"{desc}: EINVAL", err == errno.EINVAL and not replies)
    cfg1 = config_debugfs()
    ktap.check("no malformed request changed the config", cfg0 == cfg1)
    if cfg0 != cfg1:
        ktap.print_msg(f"config {cfg0} -> {cfg1}")

    # The random fuzzer.
    ktap.print_msg(f"fuzzing with seed {seed}, {n} messages")
    rng = random.Random(seed)
    ids = [1, cgid, memqos.cg_id("memqos-gf/child"), 0, 1 << 40]
    paths = ["/", "/memqos-gf", "/memqos-gf/child", "/memqos-gf/none"]
    fz = Fuzzer(rng, ids, paths)
    with genl.Memqos() as nl:
        model = nl.config_get()
    snapshot = dict(model)
    problems, errnos = [], {}
    hang = None
    sent, secs = 0, 0.0
    try:
        sent, secs = fuzz(c, fz, n, problems, errnos, model)
    except (socket.timeout, TimeoutError) as e:
        hang = f"no reply within 10 s: {e}"
        for s, d, cmd, flags in getattr(fz, "last", []):
            ktap.print_msg(f"last batch: seq {s} cmd {cmd} flags {flags:#x} {d.hex()}")
    for p in problems[:20]:
        ktap.print_msg("problem: " + p)
    ktap.print_msg(f"sent {sent} messages in {secs:.1f} s: {sent / max(secs, 1e-9):.0f} "
                   "messages/s; replies by errno: " +
                   ", ".join(f"{genl.errname(k) if k else 'ACK'} {v}"
                             for k, v in sorted(errnos.items())))
    ktap.check("fuzz: no hang", hang is None and sent >= n)
    if hang:
        ktap.print_msg(hang)
    ktap.check("fuzz: every reply is a well-formed ACK, error, DONE or memqos "
               "message", not [p for p in problems if not p.startswith("errno")])
    ktap.check("fuzz: no errno outside " + ", ".join(
        sorted(genl.errname(e) for e in ALLOWED_ERRNOS if e)),
        not [p for p in problems if p.startswith("errno")])

    c2 = Conn(fam)
    with genl.Memqos() as nl:
        after = nl.config_get()
        changed = {k: (snapshot[k], after[k]) for k in after if after[k] != snapshot.get(k)}
        ktap.print_msg(f"config changed by accepted CONFIG_SETs: {changed}")
        ktap.check("fuzz: the config is what the accepted CONFIG_SETs predict",
                   after == model)
        if after != model:
            ktap.print_msg(f"model {model}")
        nl.config_set(**snapshot)
        restored = config_debugfs()
        ktap.check("config restored", {k.upper(): v for k, v in restored.items()} ==
                   snapshot and restored == cfg0)
        v = nl.version()
        dumped = nl.dump("CGROUP_GET", raw=True)
        ktap.check("the module still answers (version, dump)",
                   v.get("UAPI") == H.FAMILY_VERSION and len(dumped.msgs) >= 3)
    c.s.close()
    c2.s.close()
    ktap.finish()


main()
