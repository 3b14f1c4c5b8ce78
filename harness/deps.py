"""System packages: find what is missing and install it with apt-get when
running as root; otherwise say the exact command to run."""
import os
import shutil
import subprocess

from . import BUILD, HarnessError
from .lock import exclusive

APT_LOCK = BUILD / ".apt.lock"      # test workers each check their target's packages


def missing_packages(packages: list[str]) -> list[str]:
    """Debian packages of `packages` that are not installed."""
    if not shutil.which("dpkg-query"):
        return []          # not a Debian system: the tools are checked by name instead
    missing = []
    for pkg in packages:
        r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg],
                           capture_output=True, text=True)
        if "install ok installed" not in r.stdout:
            missing.append(pkg)
    return missing


def install_command(packages: list[str]) -> list[str]:
    return ["apt-get", "install", "-y", "--no-install-recommends", *packages]


def ensure_packages(packages: list[str], echo=print) -> None:
    """Install the missing ones (as root) or raise with the command to run."""
    missing = missing_packages(packages)
    if not missing:
        return
    if os.geteuid() != 0:
        raise HarnessError(f"missing packages {', '.join(missing)}: run "
                           f"`sudo apt-get update && sudo {' '.join(install_command(missing))}`")
    with exclusive(APT_LOCK):
        missing = missing_packages(packages)    # another process may have installed them
        if missing:
            echo(f"installing {', '.join(missing)} with apt-get")
            _apt(["apt-get", "update", "-qq"])
            _apt(install_command(missing))


def _apt(cmd: list[str]) -> None:
    r = subprocess.run(cmd, env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    if r.returncode != 0:
        raise HarnessError(f"`{' '.join(cmd)}` failed (exit code {r.returncode})")


def require_program(program: str, package: str) -> str:
    path = shutil.which(program)
    if not path:
        raise HarnessError(f"{program} not found: install the Debian package {package} "
                           f"(apt-get install {package}), or run `./lab setup`")
    return path
