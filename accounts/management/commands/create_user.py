from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.roles import Role
from accounts.services import user_create


class Command(BaseCommand):
    help = "Create a user with a role."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--email", default="")
        parser.add_argument("--password", default=None)
        parser.add_argument("--full-name", default="")

    def handle(self, *args, **options) -> None:
        try:
            user = user_create(
                username=options["username"],
                role=options["role"],
                email=options["email"],
                password=options["password"],
                full_name=options["full_name"],
            )
        except ValidationError as error:
            messages = "; ".join(
                f"{field}: {' '.join(errs)}" for field, errs in error.message_dict.items()
            )
            raise CommandError(messages) from error
        self.stdout.write(
            f"Created user {user.username} (id {user.pk}) with role {options['role']}."
        )
