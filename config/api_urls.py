"""/api/v1/: one router for every app's endpoints, plus the token endpoint."""

from django.urls import include, path
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.routers import DefaultRouter

from cases.api import CaseViewSet, DisputeTypeViewSet, SourceViewSet
from config.api_policies import TokenLoginRateThrottle
from grids.api import AreaViewSet
from mediators.api import MediatorViewSet, OrganisationViewSet


class TokenView(ObtainAuthToken):
    """POST username and password, get the token a machine account sends as
    ``Authorization: Token <key>``."""

    throttle_classes = [TokenLoginRateThrottle]


router = DefaultRouter()
router.register("areas", AreaViewSet, basename="area")
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("mediators", MediatorViewSet, basename="mediator")
router.register("dispute-types", DisputeTypeViewSet, basename="dispute-type")
router.register("sources", SourceViewSet, basename="source")
router.register("cases", CaseViewSet, basename="case")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("", include(router.urls)),
]
