"""/search/?q=… — the agents' search page (htmx: the results part alone on later requests).

Thin: parse and run through rapport.search.service (which filters by permission in SQL),
render. A query the parser cannot use is answered 400 with its reason (docs/search.md).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .service import search as run_search

PAGE = 20


@login_required
def search(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "").strip()
    after = request.GET.get("after") or None
    results = run_search(request.user, text, after=after, limit=PAGE) if text else None
    template = "search/_results.html" if request.htmx else "search/search.html"
    # 400 with the reason for a query that cannot be used; htmx swaps only 2xx answers, so the
    # live results part shows the reason with a 200.
    status = 400 if results is not None and results.errors and not request.htmx else 200
    context = {"q": text, "results": results, "after": after}
    return render(request, template, context, status=status)
