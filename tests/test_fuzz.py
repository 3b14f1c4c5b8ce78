"""The fuzzing guest (guests/arm64/fuzz.c, `./lab fuzz`): a run is a
function of its seed. Two runs with one seed print the same digest of
everything the hypervisor answered, and the same console; another seed
gives another digest. (The `fuzz` scenario itself, 100,000 operations
beside a victim that must finish, runs with the other scenarios.)"""
from harness import fuzz

ITERATIONS = 20_000


ON = [("arm64", "fuzz")]


def test_fuzz_repeats_from_its_seed(built_case):
    target, _ = built_case
    first, second, other = (fuzz.run(target, seed, ITERATIONS, echo=False) for seed in (7, 7, 8))
    assert first["digest"] == second["digest"]
    assert first["lines"] == second["lines"]
    assert other["digest"] != first["digest"]
