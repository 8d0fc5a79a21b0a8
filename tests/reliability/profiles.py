"""The hypothesis profiles of the reliability suite (``STUDYBOT_RELIABILITY`` selects one; see README.md)."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, settings

PROFILE_VARIABLE = "STUDYBOT_RELIABILITY"


@dataclass(frozen=True)
class Profile:
    """How much the generated-updates test does under a profile."""

    name: str
    examples: int
    #: The updates a run must deliver at least (a run that delivers fewer fails: the profile is off).
    updates: int
    #: pytest-timeout's limit for the run, shrinking a failure included (0: none).
    timeout_s: int = 900


PROFILES = {
    "ci": Profile("ci", examples=480, updates=10_000),
    "nightly": Profile("nightly", examples=9_600, updates=200_000, timeout_s=0),
    # While working on the suite: a few examples, nothing counted.
    "smoke": Profile("smoke", examples=30, updates=0),
}


def register() -> None:
    """Register every profile and load the one ``STUDYBOT_RELIABILITY`` names (default ``ci``)."""
    settings.register_profile(
        "reliability-base",
        deadline=None,  # an example is a whole bot run: its time is what it is
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    )
    base = settings.get_profile("reliability-base")
    for profile in PROFILES.values():
        # ci and smoke replay the same examples on every run; nightly explores, and a failure
        # prints the blob that replays it (@reproduce_failure).
        nightly = profile.name == "nightly"
        settings.register_profile(
            profile.name, parent=base, max_examples=profile.examples, derandomize=not nightly, print_blob=nightly
        )
    settings.load_profile(active_profile().name)


def active_profile() -> Profile:
    """The profile ``STUDYBOT_RELIABILITY`` names (default ``ci``)."""
    name = os.environ.get(PROFILE_VARIABLE, "ci")
    if name not in PROFILES:
        raise pytest.UsageError(f"{PROFILE_VARIABLE}={name!r}: use one of {', '.join(PROFILES)}")
    return PROFILES[name]
