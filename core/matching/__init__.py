"""Matching: pure functions from a request's needs and candidate snapshots to a ranked list.

Nothing here touches the database; ``core.services.matching`` loads the snapshots.
"""

from core.matching.eligibility import Candidate, Need, ineligibility
from core.matching.ranking import Matcher, Ranked, ScoringMatcher, Weights

__all__ = ["Candidate", "Matcher", "Need", "Ranked", "ScoringMatcher", "Weights", "ineligibility"]
