"""One benchmark case's outcome, as written to results.md / results.json."""
from dataclasses import dataclass, field

from .stats import Timing

MEASURED, NOT_AVAILABLE, FAILED = "measured", "not available yet", "failed"


@dataclass
class Check:
    """One goal of a case judged on its own (a case with several goals gets a column each in
    results.md's goal table): `value` is the figure as written, `met` None when it could not be
    judged (or the entry only reports, `goal` "report")."""
    name: str
    goal: str
    value: str
    met: bool | None = None

    def to_json(self) -> dict:
        return {"name": self.name, "goal": self.goal, "value": self.value, "met": self.met}


@dataclass
class CaseResult:
    id: str
    title: str
    devenv_cmd: str
    baseline_cmd: str
    goal_ratio: float | None = None      # devenv median / baseline median must be ≤ this
    goal_rss_mb: float | None = None     # devenv's own peak RSS must be below this
    goal_failed_polls: int | None = None  # a parent poller may fail at most this often
    goal_seconds: float | None = None    # devenv's median must be at most this (an absolute goal)
    status: str = MEASURED
    reason: str = ""
    devenv: Timing | None = None
    baseline: Timing | None = None
    rss: dict | None = None              # {"own_mb", "tree_mb"} of one devenv run
    notes: list[str] = field(default_factory=list)
    profile: list[str] = field(default_factory=list)   # where one devenv run spends its time
    polls: int | None = None             # branch cases: the parent poller's checks during devenv's runs
    failed_polls: int | None = None      # … and how many failed
    parent_unavailable: float | None = None   # … and the longest parent downtime devenv reported (s)
    checks: list[Check] = field(default_factory=list)   # goals judged one by one (branch cases)

    @property
    def ratio(self) -> float | None:
        if self.devenv and self.baseline and self.baseline.median > 0:
            return self.devenv.median / self.baseline.median
        return None

    @property
    def goal(self) -> str:
        parts = []
        if self.goal_ratio is not None:
            parts.append(f"ratio ≤ {self.goal_ratio:g}")
        if self.goal_rss_mb is not None:
            parts.append(f"devenv peak RSS < {self.goal_rss_mb:g} MB")
        if self.goal_failed_polls is not None:
            parts.append(f"{self.goal_failed_polls} failed parent polls")
        if self.goal_seconds is not None:
            parts.append(f"devenv median ≤ {self.goal_seconds:g} s")
        parts += [f"{c.name} {c.goal}" for c in self.checks if c.goal != "report"]
        return ", ".join(parts) or "report"

    @property
    def met(self) -> bool | None:
        """None when there is no goal or nothing to judge."""
        judged = [c.met for c in self.checks if c.goal != "report"]
        if self.status != MEASURED or (self.goal_ratio is None and self.goal_rss_mb is None and self.goal_failed_polls is None
                                        and self.goal_seconds is None and not judged):
            return None
        if False in judged:
            return False
        if None in judged:
            return None
        ok = True
        if self.goal_ratio is not None:
            if self.ratio is None:
                return None
            ok = ok and self.ratio <= self.goal_ratio
        if self.goal_rss_mb is not None:
            if not self.rss:
                return None
            ok = ok and (self.rss["own_mb"] or self.rss["tree_mb"]) < self.goal_rss_mb
        if self.goal_failed_polls is not None:
            if self.failed_polls is None:
                return None
            ok = ok and self.failed_polls <= self.goal_failed_polls
        if self.goal_seconds is not None:
            if not self.devenv:
                return None
            ok = ok and self.devenv.median <= self.goal_seconds
        return ok

    def to_json(self) -> dict:
        return {"id": self.id, "title": self.title, "devenv_command": self.devenv_cmd,
                "baseline_command": self.baseline_cmd, "goal": self.goal,
                "goal_ratio": self.goal_ratio, "goal_rss_mb": self.goal_rss_mb, "goal_failed_polls": self.goal_failed_polls,
                "goal_seconds": self.goal_seconds,
                "status": self.status, "reason": self.reason or None,
                "devenv": self.devenv.summary() if self.devenv else None,
                "baseline": self.baseline.summary() if self.baseline else None,
                "ratio": self.ratio, "met": self.met, "devenv_peak_rss": self.rss,
                "parent_polls": self.polls, "parent_failed_polls": self.failed_polls,
                "parent_unavailable_seconds": self.parent_unavailable, "notes": self.notes,
                "profile": self.profile, "checks": [c.to_json() for c in self.checks]}
