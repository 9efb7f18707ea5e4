"""The CSV import screen: upload, preview with per-row errors, confirm."""

import secrets

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.http import AuthenticatedHttpRequest
from crm import imports
from crm.forms import CsvImportForm

SESSION_KEY = "crm-csv-import"
LIST_URL = {
    "companies": "crm:company-list",
    "contacts": "crm:contact-list",
    "deals": "crm:deal-list",
}


@require_http_methods(["GET", "POST"])
def csv_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not request.user.has_perm("crm.import_csv"):
        raise PermissionDenied
    kind = request.GET.get("kind") if request.GET.get("kind") in imports.COLUMNS else "companies"
    form = CsvImportForm(initial={"kind": kind})
    context: dict = {"form": form, "columns": imports.COLUMNS}
    if request.method == "POST" and request.POST.get("confirm"):
        stored = request.session.get(SESSION_KEY)
        if not stored or stored.get("token") != request.POST.get("token"):
            messages.error(request, "That preview has expired; please upload the file again.")
            return redirect("crm:csv-import")
        result = imports.csv_import(
            by=request.user, kind=stored["kind"], text=stored["text"], commit=True
        )
        del request.session[SESSION_KEY]
        if result.ok:
            messages.success(request, f"Imported {result.created} {stored['kind']}.")
            return redirect(LIST_URL[stored["kind"]])
        context.update(result=result)
        return render(request, "crm/csv_import.html", context, status=422)
    if request.method == "POST":
        form = CsvImportForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            try:
                text = imports.decode(form.cleaned_data["file"].read())
            except ValidationError as error:
                for message in error.message_dict.get("file", []):
                    form.add_error("file", message)
            else:
                kind = form.cleaned_data["kind"]
                result = imports.csv_import(by=request.user, kind=kind, text=text, commit=False)
                context["result"] = result
                if result.ok:
                    token = secrets.token_urlsafe(16)
                    request.session[SESSION_KEY] = {"token": token, "kind": kind, "text": text}
                    context["token"] = token
                return render(
                    request, "crm/csv_import.html", context, status=200 if result.ok else 422
                )
        return render(request, "crm/csv_import.html", context, status=422)
    return render(request, "crm/csv_import.html", context)
