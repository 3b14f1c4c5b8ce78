"""The parts of ocirun that need no root: config.json checking, runc's
command line, mount options, path joining, and the cgroup v2 back end (this
machine is hybrid, so v2 is checked against a directory standing in for
the hierarchy: which file gets which value)."""
from pathlib import Path

import pytest

from containers import cli, spec
from containers.cgroups import cgroup_path, v2
from containers.errors import ConfigError, ContainerError
from containers.rootfs import inside, inside_parent, parse_options
from containers import linux as L

MINIMAL = {"ociVersion": "1.0.2", "root": {"path": "rootfs"},
           "process": {"args": ["sh"], "cwd": "/", "user": {"uid": 0, "gid": 0}}}


def problems(config: dict) -> list[str]:
    with pytest.raises(ConfigError) as e:
        spec.parse(config, Path("/b"))
    return e.value.problems


def test_a_minimal_config_reads():
    s = spec.parse(MINIMAL, Path("/bundle"))
    assert s.root_path == "/bundle/rootfs" and s.process.args == ["sh"]
    assert s.linux.namespaces == [] and s.hooks["poststop"] == []


def test_each_bad_field_is_one_problem_naming_it():
    bad = dict(MINIMAL, hostname=7, mounts=[{"type": "tmpfs"}, "x"],
               hooks={"poststart": [{"path": "rel"}]},
               linux={"uidMappings": [{"containerID": 0, "hostID": 1}],
                      "resources": {"pids": {}, "memory": {"limit": "1G"},
                                    "devices": [{"allow": "yes", "type": "x", "access": "rwx"}]},
                      "devices": [{"type": "z", "path": "/dev/z"}]})
    bad["process"] = dict(MINIMAL["process"], env=["NOVALUE"], terminal="yes",
                          capabilities={"bounding": ["CAP_FLY"]})
    assert sorted(problems(bad)) == sorted([
        "hostname: must be a string",
        "mounts[0].destination: missing (must be a string)",
        "mounts[1]: must be an object",
        "hooks.poststart[0].path: must be an absolute path, not 'rel'",
        "process.env[0]: must be NAME=VALUE, not 'NOVALUE'",
        "process.terminal: must be true or false",
        "process.capabilities.bounding: unknown value 'CAP_FLY'",
        "linux.uidMappings[0].size: missing (must be an integer)",
        "linux.uidMappings: ID mappings need a user namespace in linux.namespaces",
        "linux.resources.memory.limit: must be an integer",
        "linux.resources.pids.limit: missing (must be an integer)",
        "linux.resources.devices[0].allow: must be true or false",
        "linux.resources.devices[0].type: must be a, c or b, not 'x'",
        "linux.resources.devices[0].access: must be letters of 'rwm', not 'rwx'",
        "linux.devices[0].type: must be one of c, b, u, p",
    ])


def test_config_error_lines_name_the_file():
    with pytest.raises(ConfigError) as e:
        spec.parse({"ociVersion": "1.0.2"}, Path("/b"))
    assert str(e.value) == "config.json: root: missing (must be an object)"


def test_signals_as_runc_takes_them():
    assert [cli.parse_signal(s) for s in ("KILL", "SIGKILL", "9", "term", "SIGRTMIN")] == \
        [9, 9, 9, 15, 34]
    for bad in ("SIGFOO", "999", "-1", ""):
        with pytest.raises(ContainerError, match="unknown signal"):
            cli.parse_signal(bad)


def test_the_command_word_skips_global_options():
    assert cli.command_in(["--root", "/r", "--log-format", "json", "state", "x"]) == "state"
    assert cli.command_in(["--root=/r", "--debug", "delete", "--force", "x"]) == "delete"
    assert cli.command_in(["--version"]) is None
    a = cli.build_parser("kill").parse_args(["--root", "/r", "kill", "--all", "c", "HUP"])
    assert (a.root, a.command, a.id, a.signal, a.all) == ("/r", "kill", "c", "HUP", True)


def test_mount_options_become_flags_propagation_and_data():
    flags, propagation, data = parse_options(
        ["nosuid", "nodev", "ro", "rw", "rbind", "rslave", "mode=755", "size=1k", "tmpcopyup"])
    assert flags == L.MS_NOSUID | L.MS_NODEV | L.MS_BIND | L.MS_REC
    assert propagation == L.MS_SLAVE | L.MS_REC and data == "mode=755,size=1k"


def test_destinations_stay_inside_the_rootfs(tmp_path):
    """'..' and symbolic links resolve as inside the container: a link to
    /etc is the rootfs's /etc, a link climbing out stops at its root."""
    assert inside("/r", "/etc/../../../x") == "/r/x"
    assert inside("/r", "/a/./b/") == "/r/a/b"
    root = str(tmp_path)
    (tmp_path / "etc").mkdir()
    (tmp_path / "proc").symlink_to("/etc")
    (tmp_path / "etc" / "up").symlink_to("../../../../..")
    (tmp_path / "loop").symlink_to("loop")
    assert inside(root, "/proc/x") == f"{root}/etc/x"
    assert inside(root, "/etc/up/y") == f"{root}/y"
    assert inside_parent(root, "/proc") == f"{root}/proc"
    with pytest.raises(ContainerError, match="too many symbolic links"):
        inside(root, "/loop/z")


def test_cgroup_paths():
    assert cgroup_path(None, "c1") == "ocirun-c1"
    assert cgroup_path("/libpod_parent/libpod-x", "c1") == "/libpod_parent/libpod-x"
    assert cgroup_path("machine.slice:libpod:abc", "c1") == "machine.slice/libpod-abc.scope"


def test_cgroup_v2_files_and_conversions(tmp_path, monkeypatch):
    (tmp_path / "cgroup.controllers").write_text("cpuset cpu io memory pids\n")
    monkeypatch.setattr(v2.CgroupV2, "mount", tmp_path)
    group = v2.CgroupV2("lab/c1")
    group.create()
    leaf = tmp_path / "lab" / "c1"
    assert leaf.is_dir() and group.dirs == [str(tmp_path / "lab"), str(leaf)]
    for d in (tmp_path, tmp_path / "lab"):
        assert (d / "cgroup.subtree_control").read_text() == "+memory +cpu +pids +cpuset"
    group.apply(spec.Resources(memory_limit=64 << 20, memory_swap=96 << 20,
                               memory_reservation=32 << 20, cpu_shares=1024, cpu_quota=50000,
                               cpu_period=100000, pids_limit=-1, cpu_cpus="0"))
    files = {f.name: f.read_text() for f in leaf.iterdir()}
    assert files == {"memory.max": str(64 << 20), "memory.swap.max": str(32 << 20),
                     "memory.low": str(32 << 20), "cpu.weight": "39",
                     "cpu.max": "50000 100000", "pids.max": "max", "cpuset.cpus": "0"}
    assert v2.cpu_weight(2) == 1 and v2.cpu_weight(262144) == 10000
