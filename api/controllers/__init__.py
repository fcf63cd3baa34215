from litestar.types import ControllerRouterHandler

from api.controllers.accounts import AccountController
from api.controllers.catalogue import CatalogueController, health, ready
from api.controllers.communities import CommunityController
from api.controllers.extras import (
    AllianceController,
    BatchRunController,
    HoursController,
    NotificationController,
    calendar_feed,
)
from api.controllers.offers import OfferController
from api.controllers.requests import RequestController
from api.controllers.volunteers import VolunteerController

CONTROLLERS: list[ControllerRouterHandler] = [
    health,
    ready,
    CatalogueController,
    AccountController,
    CommunityController,
    VolunteerController,
    RequestController,
    OfferController,
    AllianceController,
    BatchRunController,
    HoursController,
    NotificationController,
    calendar_feed,
]
