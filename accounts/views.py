from axes.helpers import get_client_ip_address
from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.models import TIME_ZONE_CHOICES
from accounts.services import (
    calendar_feed_url,
    calendar_token_renew,
    password_reset_request,
    user_sign_out_everywhere,
    user_update_profile,
)


class ProfileForm(forms.Form):
    full_name = forms.CharField(label="Full name", max_length=150, required=False)
    email = forms.EmailField(label="Email address", required=False)
    time_zone = forms.ChoiceField(
        label="Time zone",
        choices=TIME_ZONE_CHOICES,
        help_text="Times on every page and in your emails are shown in it; it also decides when "
        "your next actions count as overdue and when reminders arrive.",
    )


@require_http_methods(["GET", "POST"])
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    initial = {"full_name": user.full_name, "email": user.email, "time_zone": user.time_zone}
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            user_update_profile(user=user, by=user, **form.cleaned_data)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, "Profile saved.")
            return redirect("accounts:profile")
    status = 422 if request.method == "POST" else 200
    feed = calendar_feed_url(user=user)
    context = {"form": form, "calendar_url": feed, "calendar_webcal": webcal(feed)}
    return render(request, "accounts/profile.html", context, status=status)


def webcal(url: str) -> str:
    """The feed's address as ``webcal://``, which calendar apps open as a subscription."""
    return "webcal://" + url.split("://", 1)[1]


@require_POST
def calendar_renew(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A new calendar address; the old one stops working."""
    calendar_token_renew(user=request.user, by=request.user)
    messages.success(
        request, "Your calendar has a new address. Subscribe to it again in your calendar app."
    )
    return redirect(reverse("accounts:profile") + "#calendar")


@require_POST
def sign_out_everywhere(request: AuthenticatedHttpRequest) -> HttpResponse:
    """End every session of the user, this one included, and go to the sign-in page."""
    user_sign_out_everywhere(user=request.user, by=request.user)
    logout(request)
    messages.success(request, "You are signed out on every device. Sign in again to continue.")
    return redirect("accounts:login")


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset form, but nothing is sent in the request: the request is recorded
    (throttled per address and per client) and reminders sends the link from its outbox.
    Every valid form gets the same "check your email" page."""

    template_name = "accounts/password_reset_form.html"
    success_url = reverse_lazy("accounts:password-reset-done")

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        password_reset_request(
            email=form.cleaned_data["email"], ip_address=get_client_ip_address(self.request)
        )
        return HttpResponseRedirect(self.get_success_url())


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change: this session stays signed in, every other one ends."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(
            self.request, "Password changed. You were signed out on your other devices."
        )
        return response
