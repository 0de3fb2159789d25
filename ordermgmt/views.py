"""Kernel pages: the home page that sends each user to its place."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from ordermgmt.navigation import places_for


@login_required
def home_view(request: HttpRequest) -> HttpResponse:
    places = places_for(request.user)
    if places:
        return redirect(places[0].url)
    return render(request, "ordermgmt/no_role.html", status=403)
