"""A short, fixed-seed fuzz campaign in CI (the long one runs from harness.py; see README "Safety").

Mutated examples in every format go through load → score → every writer; a result or kpiscore's own error
is the only accepted outcome, and a worker process that dies (a native abort) is a failure.
"""

import random

from harness import campaign, mutate, run_one, seed_bytes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SEEDS = seed_bytes()


@settings(max_examples=300, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.sampled_from(sorted(SEEDS)), st.randoms(use_true_random=False))
def test_mutated_inputs_end_in_a_result_or_a_finding(tmp_path, name, rng):
    data = mutate(random.Random(rng.getrandbits(64)), name, SEEDS[name])
    outcome = run_one(name, data, tmp_path)
    assert not outcome.startswith("crash:"), outcome


def test_a_worker_campaign_has_no_crash_and_no_abort():
    summary = campaign(inputs=400, seed=20261125, workers=2)
    assert summary["crashes"] == {}, summary["crashes"]
    assert sum(summary["outcomes"].values()) == 400


def test_a_campaign_over_the_newer_surfaces_has_no_crash_hang_formula_or_warning():
    # a rich round (participation, personal targets, measures, long ratings, a pool, calibration, a plan with
    # nested roll-ups) with one file mutated at a time, and command lines drawn at random (surfaces.py)
    summary = campaign(inputs=100, seed=20261207, workers=2, surfaces=True, timeout=120)
    assert summary["crashes"] == {}, summary["crashes"]
    assert sum(summary["outcomes"].values()) == 100
