from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.services import api_token_create


class Command(BaseCommand):
    help = "Create an API token for a user; the token is printed on the last line."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="A label shown in the admin.")

    def handle(self, *args, **options) -> None:
        try:
            user = User.objects.get(username=options["username"])
        except User.DoesNotExist as error:
            raise CommandError(f"No user named {options['username']!r}.") from error
        if not user.is_active:
            raise CommandError(f"User {user.username!r} is inactive.")
        token, raw = api_token_create(user=user, name=options["name"])
        self.stdout.write(
            f"API token {token.hint}… created for {user.username}. It is shown only once:"
        )
        self.stdout.write(raw)
