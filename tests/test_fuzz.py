"""The fuzzing guests (guests/arm64/fuzz.c, guests/x86_64/fuzz.c, `./lab
fuzz`): a run is a function of its seed. Two runs with one seed print the same digest of
everything the hypervisor answered, and the same console; another seed
gives another digest. (The `fuzz` scenario itself, 100,000 operations
on arm64 and 10,000 on x86 beside a victim that must finish, runs with the
other scenarios.)"""
from harness import fuzz

ITERATIONS = {"arm64": 20_000}          # x86: fewer, its exits cost more
X86_ITERATIONS = 2_000


ON = [("arm64", "fuzz"), ("vmx", "fuzz")]         # the scenario itself runs on every target


def test_fuzz_repeats_from_its_seed(built_case):
    target, _ = built_case
    n = ITERATIONS.get(target, X86_ITERATIONS)
    first, second, other = (fuzz.run(target, seed, n, echo=False) for seed in (7, 7, 8))
    assert first["digest"] == second["digest"]
    assert first["lines"] == second["lines"]
    assert other["digest"] != first["digest"]
