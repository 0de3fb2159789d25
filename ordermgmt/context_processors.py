from django.http import HttpRequest

from ordermgmt.navigation import places_for


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_places": []}
    return {"nav_places": places_for(user)}
