"""linux.seccomp turned into a filter through libseccomp's own Python
binding (Debian's python3-seccomp): the spec's names are libseccomp's, so
each rule maps over one to one. Imported only for a config that has a
seccomp section, and before pivot_root, while the binding is reachable."""
import errno

from .errors import ContainerError

PACKAGE_HINT = ("linux.seccomp needs libseccomp's Python binding: install Debian's "
                "python3-seccomp (apt-get install python3-seccomp), then `./lab setup` "
                "links it into the lab's venv")


def binding():
    try:
        import seccomp
    except ImportError:
        raise ContainerError(PACKAGE_HINT) from None
    return seccomp


def action(sc, name: str, errno_ret: int | None):
    """A spec action name (SCMP_ACT_*) as a libseccomp action value."""
    if name == "SCMP_ACT_ERRNO":
        return sc.ERRNO(errno.EPERM if errno_ret is None else errno_ret)
    if name == "SCMP_ACT_TRACE":
        return sc.TRACE(errno.EPERM if errno_ret is None else errno_ret)
    simple = {"SCMP_ACT_KILL": sc.KILL, "SCMP_ACT_KILL_THREAD": sc.KILL,
              "SCMP_ACT_KILL_PROCESS": getattr(sc, "KILL_PROCESS", sc.KILL),
              "SCMP_ACT_TRAP": sc.TRAP, "SCMP_ACT_ALLOW": sc.ALLOW, "SCMP_ACT_LOG": sc.LOG}
    return simple[name]


ARCHES = {"SCMP_ARCH_X86": "X86", "SCMP_ARCH_X86_64": "X86_64", "SCMP_ARCH_X32": "X32",
          "SCMP_ARCH_ARM": "ARM", "SCMP_ARCH_AARCH64": "AARCH64"}


def build(config, sc):
    """A libseccomp SyscallFilter for `config` (spec.Seccomp), not yet loaded.
    As runc does, a syscall this kernel or libseccomp does not know, and a
    rule whose action is the default one, are left out (libseccomp refuses
    both with an error code), and unknown architectures are skipped."""
    f = sc.SyscallFilter(action(sc, config.default_action, config.default_errno_ret))
    native = sc.system_arch()
    for arch in config.architectures:
        name = ARCHES.get(arch)
        if name and int(getattr(sc.Arch, name)) & 0xFFFFFFFF != native:
            f.add_arch(getattr(sc.Arch, name))
    for rule in config.syscalls:
        act = action(sc, rule.action, rule.errno_ret)
        args = [sc.Arg(a.index, getattr(sc, a.op.removeprefix("SCMP_CMP_")), a.value,
                       a.value_two) for a in rule.args]
        for name in rule.names:
            try:
                f.add_rule(act, name, *args)
            except RuntimeError:
                pass
    return f


def prepare(config):
    """The filter, built while libseccomp's binding can still be imported
    (before pivot_root); None when the config has no seccomp section."""
    return None if config is None else build(config, binding())


def load(f) -> None:
    try:
        f.load()
    except Exception as e:
        raise ContainerError(f"linux.seccomp: loading the filter failed: {e}")
