from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import selectors


@login_required
def map_page(request):
    return render(request, "regions/map.html", {"tops": selectors.top_regions_for(request.user)})


def roster_page(request):
    return render(request, "regions/roster.html", {})
