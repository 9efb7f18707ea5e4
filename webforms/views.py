"""The public pages of a web form: no sign-in, and the post accepted from any site."""

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from webforms import selectors, services
from webforms.forms import EnquiryForm
from webforms.models import WebForm

UTM_AND_REFERRER = ("utm_source", "utm_medium", "utm_campaign")


def _page(request: HttpRequest, form: WebForm, enquiry: EnquiryForm, status: int = 200):
    context = {"form": form, "enquiry": enquiry, "honeypot": services.HONEYPOT}
    return render(request, "webforms/page.html", context, status=status)


@login_not_required
@require_GET
def form_page(request: HttpRequest, key: str) -> HttpResponse:
    """The hosted form. Its own address's UTM parameters and the page that linked to it
    travel with the post in hidden fields."""
    form = selectors.form_get_public(key)
    initial = {name: request.GET.get(name, "")[:100] for name in UTM_AND_REFERRER}
    initial["referrer"] = request.headers.get("Referer", "")[:500]
    return _page(request, form, EnquiryForm(initial=initial))


def _referrer(request: HttpRequest) -> str:
    """The page the enquiry was sent from: the Referer header of a post from another site;
    for a post from the hosted page, the page that linked to it (its hidden field)."""
    header = request.headers.get("Referer", "")
    if header.startswith(settings.SITE_URL + "/"):
        return request.POST.get("referrer", "")
    return header


@csrf_exempt  # posted from other sites by the snippet: nothing of a session is at stake
@login_not_required
@require_POST
def form_submit(request: HttpRequest, key: str) -> HttpResponse:
    form = selectors.form_get_public(key)
    try:
        outcome = services.submission_accept(
            form,
            request.POST.dict(),
            ip=get_client_ip_address(request),
            referrer=_referrer(request),
        )
    except ValidationError as error:
        enquiry = EnquiryForm(request.POST)
        enquiry.is_valid()
        for field, messages in error.message_dict.items():
            for message in messages:
                enquiry.add_error(field if field in enquiry.fields else None, message)
        return _page(request, form, enquiry, status=422)
    if outcome.throttled:
        response = render(request, "webforms/throttled.html", {"form": form}, status=429)
        response["Retry-After"] = str(outcome.retry_after)
        return response
    if form.redirect_url.lower().startswith(("http://", "https://")):
        return HttpResponseRedirect(form.redirect_url)
    return render(request, "webforms/thanks.html", {"form": form})
