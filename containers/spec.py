"""config.json (OCI runtime spec 1.x, config.md and config-linux.md) read into
checked dataclasses. Every field is checked where it is read; each bad field
adds one problem naming its path, and all problems are reported together."""
import json
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError, ContainerError

NAMESPACE_TYPES = ("pid", "network", "mount", "ipc", "uts", "user", "cgroup")
HOOK_NAMES = ("prestart", "createRuntime", "createContainer", "startContainer",
              "poststart", "poststop")
CAPABILITY_SETS = ("bounding", "effective", "inheritable", "permitted", "ambient")
# <linux/capability.h>, in bit order
CAPABILITIES = (
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
    "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
    "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
    "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
    "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE")
RLIMITS = tuple(f"RLIMIT_{n}" for n in (        # getrlimit(2)
    "AS", "CORE", "CPU", "DATA", "FSIZE", "LOCKS", "MEMLOCK", "MSGQUEUE", "NICE", "NOFILE",
    "NPROC", "RSS", "RTPRIO", "RTTIME", "SIGPENDING", "STACK"))
SECCOMP_ACTIONS = ("SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
                   "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW",
                   "SCMP_ACT_LOG")
SECCOMP_OPS = ("SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE",
               "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ")
DEVICE_TYPES = ("c", "b", "u", "p")


class Reader:
    """Reads one JSON object at a path, collecting a problem per bad field."""

    def __init__(self, obj, path: str, problems: list[str]):
        self.obj, self.path, self.problems = obj, path, problems

    def where(self, key) -> str:
        return f"{self.path}.{key}" if self.path else str(key)

    def bad(self, key, message: str):
        self.problems.append(f"{self.where(key)}: {message}")

    def get(self, key, kind, what: str, default=None, required=False):
        if key not in self.obj:
            if required:
                self.bad(key, f"missing (must be {what})")
            return default
        value = self.obj[key]
        ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if not ok:
            self.bad(key, f"must be {what}")
            return default
        return value

    def string(self, key, required=False, default=None):
        return self.get(key, str, "a string", default, required)

    def boolean(self, key, default=False):
        return self.get(key, bool, "true or false", default)

    def integer(self, key, required=False, default=None, minimum=None):
        value = self.get(key, int, "an integer", default, required)
        if value is not None and minimum is not None and value < minimum:
            self.bad(key, f"must be at least {minimum}")
            return default
        return value

    def child(self, key, required=False):
        value = self.get(key, dict, "an object", None, required)
        return None if value is None else Reader(value, self.where(key), self.problems)

    def items(self, key, required=False):
        """A list of objects, each as a Reader."""
        value = self.get(key, list, "a list", [], required)
        out = []
        for i, item in enumerate(value):
            if isinstance(item, dict):
                out.append(Reader(item, f"{self.where(key)}[{i}]", self.problems))
            else:
                self.problems.append(f"{self.where(key)}[{i}]: must be an object")
        return out

    def strings(self, key, required=False, nonempty=False, choices=None):
        what = "a non-empty list of strings" if nonempty else "a list of strings"
        value = self.get(key, list, what, [], required)
        if not all(isinstance(v, str) for v in value) or (nonempty and key in self.obj
                                                          and not value):
            self.bad(key, f"must be {what}")
            return []
        for v in value:
            if choices is not None and v not in choices:
                self.bad(key, f"unknown value '{v}'")
        return value

    def absolute(self, key, required=False):
        value = self.string(key, required)
        if value is not None and not value.startswith("/"):
            self.bad(key, f"must be an absolute path, not '{value}'")
        return value


@dataclass
class User:
    uid: int = 0
    gid: int = 0
    umask: int | None = None
    additional_gids: list[int] = field(default_factory=list)


@dataclass
class Rlimit:
    type: str
    soft: int
    hard: int


@dataclass
class Process:
    args: list[str]
    cwd: str
    env: list[str] = field(default_factory=list)
    terminal: bool = False
    user: User = field(default_factory=User)
    capabilities: dict[str, list[str]] | None = None   # set name -> capability names
    rlimits: list[Rlimit] = field(default_factory=list)
    no_new_privileges: bool = False
    oom_score_adj: int | None = None


@dataclass
class Mount:
    destination: str
    type: str | None = None
    source: str | None = None
    options: list[str] = field(default_factory=list)


@dataclass
class Hook:
    path: str
    args: list[str] = field(default_factory=list)
    env: list[str] = field(default_factory=list)
    timeout: int | None = None


@dataclass
class Namespace:
    type: str
    path: str | None = None


@dataclass
class IDMapping:
    container_id: int
    host_id: int
    size: int


@dataclass
class Device:
    type: str
    path: str
    major: int = 0
    minor: int = 0
    file_mode: int | None = None
    uid: int | None = None
    gid: int | None = None


@dataclass
class SeccompArg:
    index: int
    value: int
    op: str
    value_two: int = 0


@dataclass
class SeccompRule:
    names: list[str]
    action: str
    errno_ret: int | None = None
    args: list[SeccompArg] = field(default_factory=list)


@dataclass
class Seccomp:
    default_action: str
    default_errno_ret: int | None = None
    architectures: list[str] = field(default_factory=list)
    syscalls: list[SeccompRule] = field(default_factory=list)


@dataclass
class Resources:
    memory_limit: int | None = None
    memory_reservation: int | None = None
    memory_swap: int | None = None
    cpu_shares: int | None = None
    cpu_quota: int | None = None
    cpu_period: int | None = None
    cpu_cpus: str | None = None
    cpu_mems: str | None = None
    pids_limit: int | None = None
    devices: list["DeviceRule"] | None = None     # the devices controller's rules, in order
    device_nodes: list[tuple[str, int, int]] = field(default_factory=list)  # linux.devices


@dataclass
class DeviceRule:
    """linux.resources.devices[]: allow or deny TYPE MAJOR:MINOR ACCESS
    (None for a number means all of them, as '*' in devices.allow)."""
    allow: bool
    type: str = "a"
    major: int | None = None
    minor: int | None = None
    access: str = "rwm"


@dataclass
class Linux:
    namespaces: list[Namespace] = field(default_factory=list)
    uid_mappings: list[IDMapping] = field(default_factory=list)
    gid_mappings: list[IDMapping] = field(default_factory=list)
    devices: list[Device] = field(default_factory=list)
    cgroups_path: str | None = None
    resources: Resources = field(default_factory=Resources)
    sysctl: dict[str, str] = field(default_factory=dict)
    seccomp: Seccomp | None = None
    rootfs_propagation: str | None = None
    masked_paths: list[str] = field(default_factory=list)
    readonly_paths: list[str] = field(default_factory=list)

    def namespace(self, kind: str) -> Namespace | None:
        return next((ns for ns in self.namespaces if ns.type == kind), None)


@dataclass
class Spec:
    oci_version: str
    root_path: str              # absolute: resolved against the bundle
    root_readonly: bool
    process: Process | None
    hostname: str | None = None
    mounts: list[Mount] = field(default_factory=list)
    hooks: dict[str, list[Hook]] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    linux: Linux = field(default_factory=Linux)
    raw: dict = field(default_factory=dict, repr=False)


# -- readers, one per object of config.md --------------------------------------

def read_user(r: Reader) -> User:
    gids = r.get("additionalGids", list, "a list of integers", [])
    if not all(isinstance(g, int) and g >= 0 for g in gids):
        r.bad("additionalGids", "must be a list of integers")
        gids = []
    return User(uid=r.integer("uid", required=True, default=0, minimum=0),
                gid=r.integer("gid", required=True, default=0, minimum=0),
                umask=r.integer("umask", minimum=0), additional_gids=gids)


def read_process(r: Reader) -> Process:
    args = r.strings("args", required=True, nonempty=True)
    env = r.strings("env")
    for i, e in enumerate(env):
        if "=" not in e:
            r.problems.append(f"{r.where('env')}[{i}]: must be NAME=VALUE, not '{e}'")
    user = r.child("user", required=True)
    caps = r.child("capabilities")
    capabilities = None
    if caps is not None:
        capabilities = {s: caps.strings(s, choices=CAPABILITIES) for s in CAPABILITY_SETS}
    rlimits = []
    for lim in r.items("rlimits"):
        kind = lim.string("type", required=True)
        if kind is not None and kind not in RLIMITS:
            lim.bad("type", f"unknown rlimit '{kind}'")
        rlimits.append(Rlimit(kind, lim.integer("soft", required=True, minimum=0),
                              lim.integer("hard", required=True, minimum=0)))
    return Process(args=args, cwd=r.absolute("cwd", required=True) or "/", env=env,
                   terminal=r.boolean("terminal"),
                   user=read_user(user) if user else User(), capabilities=capabilities,
                   rlimits=rlimits, no_new_privileges=r.boolean("noNewPrivileges"),
                   oom_score_adj=r.integer("oomScoreAdj"))


def read_mount(r: Reader) -> Mount:
    return Mount(destination=r.absolute("destination", required=True) or "/",
                 type=r.string("type"), source=r.string("source"), options=r.strings("options"))


def read_hooks(r: Reader) -> dict[str, list[Hook]]:
    hooks = {}
    for name in HOOK_NAMES:
        hooks[name] = [Hook(path=h.absolute("path", required=True) or "/",
                            args=h.strings("args"), env=h.strings("env"),
                            timeout=h.integer("timeout", minimum=1)) for h in r.items(name)]
    return hooks


def read_mappings(r: Reader, key: str) -> list[IDMapping]:
    return [IDMapping(m.integer("containerID", required=True, default=0, minimum=0),
                      m.integer("hostID", required=True, default=0, minimum=0),
                      m.integer("size", required=True, default=1, minimum=1))
            for m in r.items(key)]


def read_seccomp(r: Reader) -> Seccomp:
    default = r.string("defaultAction", required=True)
    if default is not None and default not in SECCOMP_ACTIONS:
        r.bad("defaultAction", f"unknown action '{default}'")
    rules = []
    for s in r.items("syscalls"):
        action = s.string("action", required=True)
        if action is not None and action not in SECCOMP_ACTIONS:
            s.bad("action", f"unknown action '{action}'")
        args = []
        for a in s.items("args"):
            op = a.string("op", required=True)
            if op is not None and op not in SECCOMP_OPS:
                a.bad("op", f"unknown operator '{op}'")
            args.append(SeccompArg(a.integer("index", required=True, default=0, minimum=0),
                                   a.integer("value", required=True, default=0, minimum=0),
                                   op, a.integer("valueTwo", default=0, minimum=0)))
        rules.append(SeccompRule(s.strings("names", required=True, nonempty=True), action,
                                 s.integer("errnoRet", minimum=0), args))
    return Seccomp(default, r.integer("defaultErrnoRet", minimum=0), r.strings("architectures"),
                   rules)


def read_resources(r: Reader) -> Resources:
    res = Resources()
    if memory := r.child("memory"):
        res.memory_limit = memory.integer("limit", minimum=-1)
        res.memory_reservation = memory.integer("reservation", minimum=-1)
        res.memory_swap = memory.integer("swap", minimum=-1)
    if cpu := r.child("cpu"):
        res.cpu_shares = cpu.integer("shares", minimum=0)
        res.cpu_quota = cpu.integer("quota", minimum=-1)
        res.cpu_period = cpu.integer("period", minimum=0)
        res.cpu_cpus, res.cpu_mems = cpu.string("cpus"), cpu.string("mems")
    if pids := r.child("pids"):
        res.pids_limit = pids.integer("limit", required=True, minimum=-1)
    if "devices" in r.obj:
        res.devices = [read_device_rule(d) for d in r.items("devices")]
    return res


def read_device_rule(d: Reader) -> DeviceRule:
    kind = d.string("type", default="a")
    if kind not in ("a", "c", "b"):
        d.bad("type", f"must be a, c or b, not '{kind}'")
    access = d.string("access", default="rwm")
    if not access or set(access) - set("rwm"):
        d.bad("access", f"must be letters of 'rwm', not '{access}'")
    allow = d.get("allow", bool, "true or false", False, required=True)
    return DeviceRule(allow, kind, d.integer("major", minimum=-1), d.integer("minor", minimum=-1),
                      access)


def read_devices(r: Reader) -> list[Device]:
    devices = []
    for d in r.items("devices"):
        kind = d.string("type", required=True)
        if kind is not None and kind not in DEVICE_TYPES:
            d.bad("type", f"must be one of {', '.join(DEVICE_TYPES)}")
        devices.append(Device(kind, d.absolute("path", required=True) or "/",
                              d.integer("major", default=0, minimum=0),
                              d.integer("minor", default=0, minimum=0),
                              d.integer("fileMode", minimum=0), d.integer("uid", minimum=0),
                              d.integer("gid", minimum=0)))
    return devices


def read_linux(r: Reader) -> Linux:
    namespaces, seen = [], set()
    for ns in r.items("namespaces"):
        kind = ns.string("type", required=True)
        if kind is not None and kind not in NAMESPACE_TYPES:
            ns.bad("type", f"unknown namespace type '{kind}' "
                           f"(one of {', '.join(NAMESPACE_TYPES)})")
        elif kind in seen:
            ns.bad("type", f"namespace '{kind}' listed twice")
        seen.add(kind)
        namespaces.append(Namespace(kind, ns.absolute("path")))
    sysctl = r.get("sysctl", dict, "an object of strings", {})
    if not all(isinstance(v, str) for v in sysctl.values()):
        r.bad("sysctl", "must be an object of strings")
        sysctl = {}
    seccomp = r.child("seccomp")
    resources = r.child("resources")
    propagation = r.string("rootfsPropagation")
    if propagation not in (None, "private", "rprivate", "slave", "rslave", "shared", "rshared",
                           "unbindable", "runbindable"):
        r.bad("rootfsPropagation", f"unknown propagation '{propagation}'")
    linux = Linux(namespaces=namespaces, uid_mappings=read_mappings(r, "uidMappings"),
                  gid_mappings=read_mappings(r, "gidMappings"), devices=read_devices(r),
                  cgroups_path=r.string("cgroupsPath"),
                  resources=read_resources(resources) if resources else Resources(),
                  sysctl=sysctl, seccomp=read_seccomp(seccomp) if seccomp else None,
                  rootfs_propagation=propagation, masked_paths=r.strings("maskedPaths"),
                  readonly_paths=r.strings("readonlyPaths"))
    linux.resources.device_nodes = [(d.type, d.major, d.minor) for d in linux.devices]
    if (linux.uid_mappings or linux.gid_mappings) and "user" not in seen:
        r.bad("uidMappings", "ID mappings need a user namespace in linux.namespaces")
    return linux


def parse(config: dict, bundle: Path) -> Spec:
    """The whole config, checked; raises ConfigError listing every bad field."""
    problems: list[str] = []
    if not isinstance(config, dict):
        raise ConfigError(["must hold a JSON object"])
    r = Reader(config, "", problems)
    version = r.string("ociVersion", required=True)
    if version is not None and not version.startswith("1."):
        r.bad("ociVersion", f"'{version}' is not a 1.x version of the runtime spec")
    root = r.child("root", required=True)
    root_path = root.string("path", required=True) if root else None
    process = r.child("process")
    hooks = r.child("hooks")
    linux = r.child("linux")
    annotations = r.get("annotations", dict, "an object of strings", {})
    spec = Spec(oci_version=version or "", root_path=str(bundle / (root_path or "")),
                root_readonly=root.boolean("readonly") if root else False,
                process=read_process(process) if process else None,
                hostname=r.string("hostname"), mounts=[read_mount(m) for m in r.items("mounts")],
                hooks=read_hooks(hooks) if hooks else {n: [] for n in HOOK_NAMES},
                annotations=annotations, linux=read_linux(linux) if linux else Linux(),
                raw=config)
    if problems:
        raise ConfigError(problems)
    return spec


def load(bundle: Path) -> Spec:
    """Read BUNDLE/config.json; every problem becomes a ContainerError."""
    path = bundle / "config.json"
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise ContainerError(f"{path}: no such file (is --bundle the bundle directory?)")
    except OSError as e:
        raise ContainerError(f"{path}: {e.strerror}")
    try:
        config = json.loads(text)
    except json.JSONDecodeError as e:
        raise ContainerError(f"{path}: not valid JSON: {e.msg} at line {e.lineno}, "
                             f"column {e.colno}")
    spec = parse(config, bundle)
    if not Path(spec.root_path).is_dir():
        raise ContainerError(f"root.path: the rootfs {spec.root_path} is not a directory")
    return spec
