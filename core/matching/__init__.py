"""Matching: pure functions from needs and candidate snapshots to ranked lists and batch
assignments. Nothing here touches the database; ``core.storage.people`` loads the snapshots.
"""

from core.domain.policy import Weights
from core.matching.eligibility import Candidate, Need, ineligibility
from core.matching.ranking import Matcher, MatchHooks, Ranked, ScoringMatcher, score_parts

__all__ = [
    "Candidate",
    "MatchHooks",
    "Matcher",
    "Need",
    "Ranked",
    "ScoringMatcher",
    "Weights",
    "ineligibility",
    "score_parts",
]
