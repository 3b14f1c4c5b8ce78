"""The exit path's goals (harness/bench.py GOALS; issue 11): on arm64 a
null hypercall round trip of 100 instructions or fewer, and a device access
no dearer than before. Measured as `./lab bench` measures them: the bench
guest times its own loops under -icount, so the counts are instructions
and repeat exactly on any host; the fast lane (arch_arm64/trap.c) makes
every check the full path makes, which the other scenarios hold it to."""
from harness import bench, lab

ON = [("arm64", "bench")]


def test_the_exit_path_meets_its_goals(built_case):
    target, scenario = built_case
    lines = lab.boot(target, scenario, echo=False, quiet_build=True).lines
    metrics = bench.guest_metrics(bench.parse_bench_lines(lines))
    assert bench.missed_goals(target, metrics) == []
    assert set(bench.GOALS[target]) <= set(metrics)
