"""Summary statistics of a list of wall times (seconds)."""
from dataclasses import dataclass, asdict
import statistics


@dataclass
class Timing:
    times: list[float]

    @property
    def runs(self) -> int:
        return len(self.times)

    @property
    def min(self) -> float:
        return min(self.times)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def max(self) -> float:
        return max(self.times)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.times)

    def summary(self) -> dict:
        return {"runs": self.runs, "min": self.min, "median": self.median, "max": self.max,
                "mean": self.mean, "times": self.times}


def merge(timings: list[Timing]) -> Timing:
    return Timing([t for timing in timings for t in timing.times])


def mean_difference_ci(a: Timing, b: Timing) -> tuple[float, float]:
    """95% interval of mean(a) − mean(b) (Welch's normal approximation; the runs are many)."""
    se = (statistics.variance(a.times) / a.runs + statistics.variance(b.times) / b.runs) ** 0.5
    d = a.mean - b.mean
    return d - 1.96 * se, d + 1.96 * se
