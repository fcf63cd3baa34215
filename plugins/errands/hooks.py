from __future__ import annotations

from core.plugins import ServiceLine, hookimpl
from plugins.errands.line import ErrandsLine


@hookimpl
def service_lines() -> list[ServiceLine]:
    return [ErrandsLine()]
