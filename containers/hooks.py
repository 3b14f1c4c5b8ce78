"""The spec's hooks (config.md, "POSIX-platform Hooks"): each is a program
run with the container's state JSON on its standard input. A failing
createRuntime, createContainer or startContainer hook fails the operation;
a failing poststart or poststop hook is only a warning (runtime.md)."""
import json

from .errors import ContainerError

FATAL = ("prestart", "createRuntime", "createContainer", "startContainer")


def _die_with_parent():
    """A hook outlives no runtime killed under it (PR_SET_PDEATHSIG)."""
    from . import linux
    linux.prctl(linux.PR_SET_PDEATHSIG, 9)


def run(name: str, hooks: list, state: dict, warn=None) -> None:
    """Run the hooks of one kind in order; `hooks` are spec.Hook objects or
    their JSON form from state.json."""
    if not hooks:
        return
    import subprocess                   # only with hooks: each command is a new process
    payload = json.dumps(state).encode()
    for hook in hooks:
        h = hook if isinstance(hook, dict) else {"path": hook.path, "args": hook.args,
                                                 "env": hook.env, "timeout": hook.timeout}
        argv = h.get("args") or [h["path"]]
        env = dict(e.partition("=")[::2] for e in h.get("env") or [])
        try:
            r = subprocess.run(argv, executable=h["path"], input=payload, env=env,
                               capture_output=True, timeout=h.get("timeout"),
                               preexec_fn=_die_with_parent)
            problem = (f"exited with status {r.returncode}: "
                       f"{r.stderr.decode(errors='replace').strip()[-200:]}"
                       if r.returncode else None)
        except subprocess.TimeoutExpired:
            problem = f"timed out after {h.get('timeout')} s"
        except OSError as e:
            problem = e.strerror
        if problem:
            message = f"{name} hook {h['path']}: {problem}"
            if name in FATAL:
                raise ContainerError(message)
            if warn:
                warn(message)


def as_json(hooks: dict) -> dict:
    """The hooks `start` and `delete` need later, kept in state.json."""
    return {name: [{"path": h.path, "args": h.args, "env": h.env, "timeout": h.timeout}
                   for h in hooks.get(name, [])] for name in ("poststart", "poststop")}
