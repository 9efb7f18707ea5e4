from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.models import User
from reminders import emails, selectors
from reminders.forms import PreferenceForm
from reminders.models import Kind
from reminders.services import preferences_unsubscribe, preferences_update


@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # LoginRequiredMiddleware
    preference = selectors.preference_for(user)
    # Not `request.POST or None`: with every box unchecked the POST is empty but still a save.
    data = request.POST if request.method == "POST" else None
    form = PreferenceForm(data, instance=preference, user=user)
    if request.method == "POST" and form.is_valid():
        preferences_update(user=user, by=user, **form.cleaned_data)
        messages.success(request, "Your reminder settings are saved.")
        return redirect("reminders:preferences")
    return render(request, "reminders/preferences.html", {"form": form})


@login_not_required
@csrf_exempt  # RFC 8058: mail providers POST here without a session; the token is the secret.
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """One-click unsubscribe from one kind of reminder, without signing in.

    GET only shows a confirmation (link scanners fetch links); POST unsubscribes.
    """
    try:
        user_id, kind = emails.read_unsubscribe_token(token)
    except signing.BadSignature:
        raise Http404("This unsubscribe link is not valid.") from None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise Http404("This unsubscribe link is not valid.")
    done = False
    if request.method == "POST":
        preferences_unsubscribe(user=user, kind=kind)
        done = True
    return render(
        request,
        "reminders/unsubscribe.html",
        {"kind_label": Kind(kind).label, "done": done, "email": user.email},
    )
