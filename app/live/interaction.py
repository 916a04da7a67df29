"""The interaction rate (互动率): the one definition, used live (the 实时数据 figure and the
interaction-drop alert, :mod:`app.live.metrics` / :mod:`app.live.alerts`) and in the replay
score (:mod:`app.session.score`), so both say the same number for the same minutes.

    interaction rate = (comments + likes + gifts) ÷ mean online viewers ÷ minutes

- comments: viewers' comments; likes: taps (a like event of ×N counts N, as the platforms'
  like totals do); gifts: gift events (a gift of ×N counts once: one act of the viewer);
- mean online viewers: the mean of the online count sampled over the same span (1 Hz live, the
  recorder's 1 Hz snapshots in a session file);
- the result is interactions per online viewer per minute; 0 when nobody was online or the span
  is empty (a rate of "nothing to judge", not an error).

Pure arithmetic, no clock, no Qt.
"""

from __future__ import annotations

__all__ = ["interaction_rate"]


def interaction_rate(interactions: float, mean_online: float, minutes: float) -> float:
    """Interactions per online viewer per minute (0 with no viewers or no time)."""
    if mean_online <= 0 or minutes <= 0 or interactions <= 0:
        return 0.0
    return interactions / mean_online / minutes
