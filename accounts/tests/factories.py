import factory
from django.contrib.auth.models import Group

from accounts.models import User
from accounts.roles import Role

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    """A user; ``UserFactory(role=Role.SALES_REP)`` puts them in that role's group."""

    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    full_name = factory.Faker("name")
    time_zone = "UTC"
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def role(obj: User, create: bool, extracted: str | None, **kwargs: object) -> None:
        if not create or not extracted:
            return
        obj.groups.add(Group.objects.get(name=extracted))
        if extracted == Role.ADMIN:
            obj.is_staff = obj.is_superuser = True
            obj.save(update_fields=["is_staff", "is_superuser"])
        obj.__dict__.pop("roles", None)
