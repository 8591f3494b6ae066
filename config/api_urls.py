"""/api/v1/: one router for every app's endpoints, plus the token endpoint."""

from django.urls import include, path, re_path
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import NotFound
from rest_framework.routers import DefaultRouter
from rest_framework.views import APIView

from cases.api import CaseViewSet, DisputeTypeViewSet, SourceViewSet
from config.api_policies import TokenLoginRateThrottle
from grids.api import AreaViewSet
from mediators.api import MediatorViewSet, OrganisationViewSet


class TokenView(ObtainAuthToken):
    """POST username and password, get the token a machine account sends as
    ``Authorization: Token <key>``."""

    throttle_classes = [TokenLoginRateThrottle]


class NoSuchEndpoint(APIView):
    """Any other path under /api/v1/ (say an id with a dot, which the router's patterns
    refuse): the API's JSON 404, not the portal's HTML page."""

    authentication_classes = []
    permission_classes = []
    throttle_classes = []
    schema = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise NotFound()


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
