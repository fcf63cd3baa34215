"""The plugin contract.

A plugin is a module or object with pluggy hook implementations (``hookimpl``) of the
specifications in :mod:`core.plugins.hookspecs`. A service line (errands, cleaning, ...) is a
:class:`ServiceLine` subclass that a plugin hands to the core through ``service_lines``.
"""

from core.plugins.line import (
    RequestDraft,
    Requirements,
    ResidentInfo,
    ServiceLine,
    ServiceType,
    Skill,
)
from core.plugins.markers import hookimpl, hookspec

__all__ = [
    "RequestDraft",
    "Requirements",
    "ResidentInfo",
    "ServiceLine",
    "ServiceType",
    "Skill",
    "hookimpl",
    "hookspec",
]
