"""/api/v1/: one router for every app's endpoints, plus the token endpoint."""

from django.urls import include, path, re_path
from rest_framework.routers import DefaultRouter

from accounts.api import TokenView
from cases.api import CaseViewSet, DisputeTypeViewSet, SourceViewSet
from common.api import NoSuchEndpoint
from grids.api import AreaViewSet
from mediators.api import MediatorViewSet, OrganisationViewSet

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
    # Last. Ends in a slash so a missing trailing slash is still redirected (APPEND_SLASH).
    re_path(r"^.*/$", NoSuchEndpoint.as_view()),
]
