"""inputs.picker labels a choice its form has already read without a query (a picker
test here, above accounts: inputs may not import the users it is tried with)."""

import pytest


@pytest.mark.django_db
def test_a_picker_labels_a_choice_its_form_already_read_without_a_query(
    django_assert_num_queries,
):
    from django import forms

    from accounts.models import User
    from accounts.tests.factories import UserFactory
    from inputs.picker import PickerField

    ann = UserFactory(username="ann", full_name="Ann Lead")

    class Form(forms.Form):
        person = PickerField(queryset=User.objects.all(), lookup="/people/", required=False)

    with django_assert_num_queries(1):  # the label: the chosen id's object, looked up
        assert 'value="Ann Lead"' in str(Form(initial={"person": ann.pk})["person"])
    form = Form(initial={"person": ann.pk})
    form.fields["person"].remember(ann)
    with django_assert_num_queries(0):
        assert 'value="Ann Lead"' in str(form["person"])
