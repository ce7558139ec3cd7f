"""Rules a sandboxed process puts on itself and cannot undo: Landlock, a seccomp filter, no capabilities.

Loaded by ``_worker.py`` from its own folder (stdlib only, never imports the app). All calls go straight to the
kernel through ctypes:

- ``landlock(abi, read, write)``: a Landlock domain (kernel 5.13+) allowing reads only beneath ``read`` (folders, or
  single files), everything beneath ``write``, no TCP bind/connect (ABI 4+), and, from ABI 6, no signals to processes
  outside the domain and no abstract unix sockets outside it. Landlock also stops ptrace of any process outside.
- ``seccomp_deny(rules)``: a seccomp filter answering the given system calls with an errno (x86_64 and aarch64; any
  other architecture or the x32 ABI is killed). Used where there is no network namespace: no ``socket`` at all.
- ``drop_capabilities()``: the capabilities a user namespace grants its creator, all given up.
"""

from __future__ import annotations

import ctypes
import errno
import platform

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
LANDLOCK_CREATE, LANDLOCK_ADD_RULE, LANDLOCK_RESTRICT = 444, 445, 446  # the same numbers on every architecture
FS_EXECUTE, FS_WRITE_FILE, FS_READ_FILE, FS_READ_DIR, FS_TRUNCATE = 1, 2, 4, 8, 1 << 14
FS_READ = FS_EXECUTE | FS_READ_FILE | FS_READ_DIR
FS_ALL_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 4: (1 << 15) - 1, 5: (1 << 16) - 1}
MACHINE = platform.machine()
AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}.get(MACHINE)
# System calls by name: (x86_64, aarch64)
SYSCALLS = {"socket": (41, 198), "io_uring_setup": (425, 425), "ptrace": (101, 117), "process_vm_readv": (310, 270),
            "process_vm_writev": (311, 271), "unshare": (272, 97), "mount": (165, 40), "keyctl": (250, 219),
            "add_key": (248, 217), "request_key": (249, 218), "bpf": (321, 280), "perf_event_open": (298, 241),
            "userfaultfd": (323, 282), "landlock_create_ruleset": (444, 444), "pivot_root": (155, 41)}
# Where there is no network namespace: no sockets, and nothing that reaches around the rules above
NO_NAMESPACE_RULES = {"socket": errno.EACCES, **{name: errno.EPERM for name in (
    "io_uring_setup", "ptrace", "process_vm_readv", "process_vm_writev", "unshare", "mount", "keyctl", "add_key",
    "request_key", "bpf", "perf_event_open", "userfaultfd")}}


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64), ("scoped", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def landlock_abi() -> int:
    """The kernel's Landlock ABI version, 0 where there is none (or a filter hides it)."""
    return max(0, int(_libc.syscall(LANDLOCK_CREATE, None, ctypes.c_size_t(0), ctypes.c_uint32(1))))


def landlock(abi: int, read: list[str], write: list[str], files: dict[str, int] | None = None) -> None:
    """Restrict this process (and what it forks) to reading beneath ``read``, writing beneath ``write``, no TCP."""
    import os

    fs_all = FS_ALL_BY_ABI.get(abi, FS_ALL_BY_ABI[5])
    attr = _RulesetAttr(fs_all, 3 if abi >= 4 else 0, 3 if abi >= 6 else 0)  # net: BIND_TCP|CONNECT_TCP; scope: unix|signal
    size = ctypes.sizeof(_RulesetAttr) if abi >= 6 else (16 if abi >= 4 else 8)
    fd = _libc.syscall(LANDLOCK_CREATE, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if fd < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset")
    file_mask = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | (FS_TRUNCATE if abi >= 3 else 0)
    rules = [(p, FS_READ) for p in read] + [(p, fs_all) for p in write] + [(p, a & file_mask) for p, a in (files or {}).items()]
    try:
        for path, access in rules:
            try:
                pfd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except FileNotFoundError:
                continue
            try:
                if not os.path.isdir(path):
                    access &= file_mask
                rule = _PathBeneath(access, pfd)
                if _libc.syscall(LANDLOCK_ADD_RULE, ctypes.c_int(fd), ctypes.c_int(1), ctypes.byref(rule), ctypes.c_uint32(0)) != 0:
                    raise OSError(ctypes.get_errno(), f"landlock_add_rule {path}")
            finally:
                os.close(pfd)
        if _libc.syscall(LANDLOCK_RESTRICT, ctypes.c_int(fd), ctypes.c_uint32(0)) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self")
    finally:
        os.close(fd)


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def seccomp_supported() -> bool:
    return AUDIT_ARCH is not None


def seccomp_deny(rules: dict[str, int]) -> None:
    """Install a filter failing each named system call with its errno (needs no_new_privs set first)."""
    if AUDIT_ARCH is None:
        raise OSError(errno.ENOSYS, f"no seccomp filter for {MACHINE}")
    column = 0 if MACHINE == "x86_64" else 1
    ld, jeq, jge, ret = 0x20, 0x15, 0x35, 0x06
    allow, kill, err = 0x7FFF0000, 0x80000000, 0x00050000
    prog = [(ld, 0, 0, 4), (jeq, 1, 0, AUDIT_ARCH), (ret, 0, 0, kill), (ld, 0, 0, 0)]
    if MACHINE == "x86_64":
        prog += [(jge, 0, 1, 0x40000000), (ret, 0, 0, kill)]  # the x32 ABI: another set of numbers, refused outright
    for name, code in rules.items():
        prog += [(jeq, 0, 1, SYSCALLS[name][column]), (ret, 0, 0, err | (code & 0xFFFF))]
    prog.append((ret, 0, 0, allow))
    array = (_SockFilter * len(prog))(*[_SockFilter(*ins) for ins in prog])
    fprog = _SockFprog(len(prog), array)
    if _libc.prctl(22, 2, ctypes.byref(fprog), 0, 0) != 0:  # PR_SET_SECCOMP, SECCOMP_MODE_FILTER
        raise OSError(ctypes.get_errno(), "seccomp")


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def drop_capabilities() -> None:
    """Give up every capability (those a user namespace grants its creator): no mounts, no remounts, nothing."""
    for cap in range(64):
        _libc.prctl(24, cap, 0, 0, 0)  # PR_CAPBSET_DROP (fails harmlessly past the last capability)
    header, data = _CapHeader(0x20080522, 0), (_CapData * 2)()
    if _libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset")


def no_new_privs() -> None:
    if _libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
        raise OSError(ctypes.get_errno(), "no_new_privs")
