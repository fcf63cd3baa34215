"""Details of each errand service and the per-community settings, as msgspec structs."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta

Name = Annotated[str, Meta(min_length=1, max_length=80)]
Text = Annotated[str, Meta(max_length=500)]
Quantity = Annotated[float, Meta(gt=0, le=1000)]
Unit = Annotated[str, Meta(min_length=1, max_length=16)]
Money = Annotated[float, Meta(ge=0, le=100_000)]
Kilograms = Annotated[float, Meta(gt=0, le=1000)]


class Item(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: Name
    quantity: Quantity = 1.0
    unit: Unit = "份"


Items = Annotated[list[Item], Meta(min_length=1, max_length=50)]


class GroceryDetails(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Vegetables and groceries bought and brought to the door."""

    items: Items
    budget_yuan: Money
    shop: Annotated[str, Meta(max_length=80)] = ""
    note: Text = ""


class CarryingDetails(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Heavy things (rice, cooking oil, water) carried from ``pickup`` to the door."""

    items: Items
    weight_kg: Kilograms
    pickup: Name
    floor: Annotated[int, Meta(ge=-5, le=100)] | None = None
    has_lift: bool = True
    note: Text = ""


class MedicineDetails(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Medicine fetched from a pharmacy or clinic."""

    pharmacy: Name
    items: Items
    prescription_required: bool = False
    prescription_ref: Annotated[str, Meta(max_length=120)] | None = None
    note: Text = ""


class ErrandsSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Per-community settings of the errands line."""

    # Above this weight a carrying job needs two volunteers.
    heavy_team_threshold_kg: Annotated[float, Meta(gt=0, le=500)] = 20.0
    # Heavier loads are refused: they need the property's trolley and staff.
    max_weight_kg: Annotated[float, Meta(gt=0, le=1000)] = 100.0
    # A volunteer advances at most this much for groceries.
    max_budget_yuan: Money = 500.0
