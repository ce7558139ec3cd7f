"""The sandbox worker's own world: namespaces, a new read-only root, a size-limited /tmp per submission.

Loaded by ``_worker.py`` from its own folder (stdlib only). ``enter_namespaces`` gives the worker new network, mount
and IPC namespaces (in a new user namespace when not root); ``build_root`` pivots it into a small tmpfs of read-only
binds (system folders, the standard library, node, five devices, a generated /etc) and detaches the host's root;
``run_tmpfs`` mounts a fresh, size-limited /tmp for one submission.
"""

from __future__ import annotations

import ctypes
import os
import platform
import sysconfig

CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x00020000, 0x08000000, 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND = 1, 2, 4, 8, 32, 4096
MS_REC, MS_PRIVATE, MNT_DETACH = 1 << 14, 1 << 18, 2
ST_FLAGS = {1: MS_RDONLY, 2: MS_NOSUID, 4: MS_NODEV, 8: MS_NOEXEC, 1024: 1024, 2048: 2048, 4096: 4096}  # statvfs -> mount flags
PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}.get(platform.machine())
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
ETC_FILES = ("ld.so.cache", "ld.so.conf", "localtime", "nsswitch.conf")
DEVICES = ("null", "zero", "full", "random", "urandom")
RUN_DIR = "/tmp"
DISK_FILES = 2048  # files and folders a submission may make (the tmpfs's nr_inodes, or the watchdog's count)
_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]


def unshare(flags: int) -> bool:
    return _libc.unshare(flags) == 0


def mount(src: str | None, dst: str, fstype: str | None = None, flags: int = 0, data: str | None = None) -> None:
    enc = (lambda v: v.encode() if v is not None else None)
    if _libc.mount(enc(src), dst.encode(), enc(fstype), flags, enc(data)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {src or ''} on {dst}: {os.strerror(err)}")


def bind_ro(src: str, dst: str) -> None:
    """Bind ``src`` on ``dst`` read-only, keeping the flags the host locked on the source (nosuid, nodev...)."""
    mount(src, dst, None, MS_BIND | MS_REC)
    locked = sum(flag for st, flag in ST_FLAGS.items() if os.statvfs(src).f_flag & st)
    mount(None, dst, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | locked)


def enter_namespaces(as_root: bool) -> dict:
    """New network, mount and IPC namespaces (in a new user namespace when not root); which of them held."""
    uid, gid = os.getuid(), os.getgid()
    flags = CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWIPC
    if as_root:
        if unshare(flags):
            return {"net": True, "mount": True, "userns": False}
        return {"net": unshare(CLONE_NEWNET), "mount": False, "userns": False}
    if not unshare(CLONE_NEWUSER | flags):
        return {"net": False, "mount": False, "userns": False}
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
        with open(f"/proc/self/{name}", "w") as f:  # map only our own ids: files we create keep their owner
            f.write(text)
    return {"net": True, "mount": True, "userns": True}


def readable_dirs() -> list[str]:
    """Directories outside the system ones that the sandbox needs: the standard library and node's install."""
    paths = {os.path.dirname(os.__file__), str(sysconfig.get_config_var("DESTSHARED") or "")} - {""}  # not a venv's packages
    node = os.environ.get("SANDBOX_NODE", "")
    if node:
        paths.add(os.path.dirname(os.path.dirname(os.path.realpath(node))))
    keep = []
    for path in sorted(paths):
        real = os.path.realpath(path)
        if os.path.isdir(real) and not any(real == d or real.startswith(d + "/") for d in SYSTEM_DIRS) and real != "/":
            keep.append(real)
    return [p for p in keep if not any(p != q and p.startswith(q + "/") for q in keep)]


def build_root(slot: tuple[int, int] | None) -> None:
    """Make a new root of read-only binds on a small tmpfs, pivot into it and drop the host's root."""
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    new = "/tmp"  # the new root's tmpfs goes over /tmp in our own mount namespace: nothing is left on the host
    mount("tmpfs", new, "tmpfs", MS_NOSUID | MS_NODEV, "size=4m,nr_inodes=4096,mode=0755")
    for path in SYSTEM_DIRS:
        if os.path.islink(path):
            os.symlink(os.readlink(path), new + path)
        elif os.path.isdir(path):
            os.mkdir(new + path)
            bind_ro(path, new + path)
    for path in readable_dirs():
        os.makedirs(new + path, exist_ok=True)
        bind_ro(path, new + path)
    os.mkdir(new + "/etc")
    for name in ETC_FILES:
        src = "/etc/" + name
        if os.path.islink(src):
            os.symlink(os.readlink(src), f"{new}/etc/{name}")
        elif os.path.isfile(src):
            open(f"{new}/etc/{name}", "w").close()
            bind_ro(src, f"{new}/etc/{name}")
    uid, gid = slot or (os.getuid(), os.getgid())
    with open(f"{new}/etc/passwd", "w") as f:
        f.write(f"root:x:0:0::/:/bin/false\nsandbox:x:{uid}:{gid}::{RUN_DIR}:/bin/false\n")
    with open(f"{new}/etc/group", "w") as f:
        f.write(f"root:x:0:\nsandbox:x:{gid}:\n")
    os.mkdir(new + "/dev")
    for name in DEVICES:
        open(f"{new}/dev/{name}", "w").close()
        mount(f"/dev/{name}", f"{new}/dev/{name}", None, MS_BIND)
    for link, target in (("/dev/shm", RUN_DIR), ("/var/tmp", RUN_DIR), ("/dev/stdin", "/proc/self/fd/0"),
                         ("/dev/stdout", "/proc/self/fd/1"), ("/dev/stderr", "/proc/self/fd/2")):
        os.makedirs(os.path.dirname(new + link), exist_ok=True)
        os.symlink(target, new + link)
    os.mkdir(new + RUN_DIR, 0o755)
    os.mkdir(new + "/.old")
    if PIVOT_ROOT is None or _libc.syscall(PIVOT_ROOT, new.encode(), (new + "/.old").encode()) != 0:
        raise OSError(ctypes.get_errno(), "pivot_root failed")
    os.chdir("/")
    if _libc.umount2(b"/.old", MNT_DETACH) != 0:
        raise OSError(ctypes.get_errno(), "could not detach the host's root")
    os.rmdir("/.old")
    mount(None, "/", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def run_tmpfs(mb: int, slot: tuple[int, int] | None) -> bool:
    """A fresh, size-limited tmpfs on /tmp for one submission: the only place it can write."""
    uid, gid = slot or (os.getuid(), os.getgid())
    try:
        mount("tmpfs", RUN_DIR, "tmpfs", MS_NOSUID | MS_NODEV, f"size={mb}m,nr_inodes={DISK_FILES},mode=0700,uid={uid},gid={gid}")
        return True
    except OSError:
        return False
