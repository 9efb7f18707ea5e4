"""A real IMAP server for the inbox's tests: Debian's dovecot, started once per session.

The fixture writes a dovecot configuration in a temporary directory (IMAP only, on
127.0.0.1 and a free port, a passwd-file user with a plain password, maildir storage, no
TLS, its log in that directory), starts ``dovecot -F`` and stops it at the end. As root,
dovecot's unprivileged processes run as its own ``dovenull``/``dovecot`` users and the mail
as ``nobody`` (dovecot refuses root for both); otherwise everything runs as the current
user. Without dovecot the tests fail, saying how to install it: ``make test`` does.
"""

import contextlib
import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from imap_tools import MailBoxUnencrypted

DOVECOT = "/usr/sbin/dovecot"
USER = "crm"
PASSWORD = "p@ss w0rd"  # URL-encoded in INBOX_URL: the service decodes it
CAPTURE = "crm@company.example"


@dataclass
class Dovecot:
    host: str
    port: int
    log: Path

    def url(self, folder: str) -> str:
        return f"imap://{USER}:{quote(PASSWORD, safe='')}@{self.host}:{self.port}/{folder}"

    @contextlib.contextmanager
    def client(self) -> Iterator[MailBoxUnencrypted]:
        with MailBoxUnencrypted(self.host, self.port, timeout=10).login(
            USER, PASSWORD, initial_folder=None
        ) as box:
            yield box

    def new_folder(self) -> str:
        name = f"T{uuid.uuid4().hex[:10]}"
        with self.client() as box:
            box.folder.create(name)
        return name

    def deliver(self, folder: str, *messages: bytes) -> None:
        """IMAP APPEND, as a mail server's delivery would leave them (unseen)."""
        with self.client() as box:
            for raw in messages:
                box.append(raw, folder)

    def recreate(self, folder: str) -> None:
        """Delete and create the folder again: its UIDVALIDITY changes."""
        with self.client() as box:
            before = box.folder.status(folder, ["UIDVALIDITY"])["UIDVALIDITY"]
            box.folder.delete(folder)
            for _ in range(50):
                box.folder.create(folder)
                if box.folder.status(folder, ["UIDVALIDITY"])["UIDVALIDITY"] != before:
                    return
                box.folder.delete(folder)
                time.sleep(0.1)
        raise AssertionError("dovecot kept the folder's UIDVALIDITY")

    def flags(self, folder: str) -> list[tuple[str, ...]]:
        with self.client() as box:
            box.folder.set(folder, readonly=True)
            return [m.flags for m in box.fetch(mark_seen=False, headers_only=True)]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _user(*names: str) -> pwd.struct_passwd:
    for name in names:
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise KeyError(names)


def _config(root: Path, port: int) -> str:
    me = pwd.getpwuid(os.getuid())
    if os.getuid() == 0:
        login, internal, mail = (
            _user("dovenull", "nobody"),
            _user("dovecot", "nobody"),
            _user("nobody"),
        )
    else:
        login = internal = mail = me
    mail_group = grp.getgrgid(mail.pw_gid).gr_name
    for name in ("mail", "home"):
        (root / name).mkdir()
        os.chown(root / name, mail.pw_uid, mail.pw_gid)
    (root / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    return f"""
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal.pw_name}
default_internal_group = {grp.getgrgid(internal.pw_gid).gr_name}
default_login_user = {login.pw_name}
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={mail.pw_name} gid={mail_group} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
service auth {{
  user = $default_internal_user
}}
service auth-worker {{
  user = $default_internal_user
}}
"""


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    if not os.access(DOVECOT, os.X_OK):
        pytest.fail(
            f"The inbox tests need a real IMAP server: {DOVECOT} is missing. `make test` "
            "installs it as root; otherwise run `sudo apt-get install dovecot-imapd`.",
            pytrace=False,
        )
    root = Path(tempfile.mkdtemp(prefix="relay-dovecot-"))
    root.chmod(0o755)  # the mail user (nobody, as root) reaches its maildir through it
    port = _free_port()
    conf = root / "dovecot.conf"
    conf.write_text(_config(root, port))
    server = Dovecot("127.0.0.1", port, root / "dovecot.log")
    with open(root / "stdout.log", "wb") as out:
        process = subprocess.Popen([DOVECOT, "-F", "-c", str(conf)], stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with server.client():
                    break
            except Exception as error:
                if process.poll() is not None or time.monotonic() > deadline:
                    logs = "".join(
                        p.read_text(errors="replace")
                        for p in (root / "stdout.log", server.log)
                        if p.exists()
                    )
                    pytest.fail(f"dovecot did not start ({error}):\n{logs}", pytrace=False)
                time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def mailbox(dovecot, settings) -> str:
    """A fresh folder of the test server, set up as Relay's capture mailbox."""
    folder = dovecot.new_folder()
    settings.INBOX_URL = dovecot.url(folder)
    settings.INBOX_ADDRESS = CAPTURE
    return folder
