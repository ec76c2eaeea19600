"""Credentials in migrations: recognised by shape, reported masked, and masked in every output.

Provider-format keys are assembled from pieces so no credential-shaped literal sits in this
repository (secret scanners would rightly refuse the push).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dbreview.config import Config
from dbreview.github.adapters import explain_markdown
from dbreview.render import renderer
from dbreview.schema.load import load_schema
from dbreview.schema_docs import table_stub
from dbreview.secrets import find_secrets, mask, mask_secrets
from tests.cli_support import cli_in
from tests.support import CHANGESET_VERSION, Project, findings_of, review_project, review_sql

RANDOM_62 = "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8s9T0"  # 40 characters, no pattern of its own
STRIPE_KEY = "sk_" + "live_" + RANDOM_62[:24]
GITHUB_TOKEN = "gh" + "p_" + RANDOM_62[:36]
SLACK_TOKEN = "xo" + "xb-" + "1234567890-" + RANDOM_62[:24]
GOOGLE_KEY = "AI" + "za" + RANDOM_62[:35]
OPENAI_KEY = "sk" + "-proj-" + RANDOM_62
JWT = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9l"
       "IiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c")
ROLE_PASSWORD = "correct-horse-battery-staple"


@pytest.mark.parametrize(("secret", "kind"), [
    (STRIPE_KEY, "Stripe secret key"),
    (GITHUB_TOKEN, "GitHub token"),
    (SLACK_TOKEN, "Slack token"),
    (GOOGLE_KEY, "Google API key"),
    (OPENAI_KEY, "secret API key"),
    (JWT, "JSON web token"),
])
def test_provider_keys_are_found_in_literals_and_comments(secret: str, kind: str) -> None:
    text = f"INSERT INTO settings VALUES ('{secret}');\n-- old value: {secret}\n"
    found = find_secrets(text)
    assert [(s.kind, s.value) for s in found] == [(kind, secret), (kind, secret)]


def test_a_url_password_is_the_secret_not_the_whole_url() -> None:
    (secret,) = find_secrets("-- postgres://app:Pl4tyPus-Wh33l@db.internal:5432/app")
    assert secret.value == "Pl4tyPus-Wh33l"
    assert mask_secrets("postgres://app:Pl4tyPus-Wh33l@db") == "postgres://app:Pl4…@db"


@pytest.mark.parametrize("text", [
    "-- connect with postgres://app:${DB_PASSWORD}@db/app or postgres://app:<password>@db",
    "-- the task-queue-worker-sk-processor handles refunds",  # sk- inside a word
    "CREATE INDEX refresh_tokens_session_id_revoked_2024_idx ON refresh_tokens (token);",
    "-- api token ids are uuids: 6fa5e2e0-bfce-4631-b62b-cf2b0252b289",
    "-- checksum 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "INSERT INTO tokens (kind) VALUES ('aaaaaaaaaaaaaaaaaaaa1111111111');  -- low entropy",
])
def test_ordinary_text_is_not_a_secret(text: str) -> None:
    assert find_secrets(text) == []


def test_a_random_token_counts_only_on_a_line_that_names_a_credential() -> None:
    assert find_secrets(f"INSERT INTO t VALUES ('{RANDOM_62}');") == []
    (secret,) = find_secrets(f"INSERT INTO t (name, secret) VALUES ('mailer', '{RANDOM_62}');")
    assert (secret.kind, secret.value) == ("high-entropy token", RANDOM_62)


@pytest.mark.parametrize("line", [
    "-- api_key: {}",
    "-- Secret = {}",
    "-- ßkey = {}",  # a key word after a letter that lower-casing would turn into ASCII
    "-- credentİal = {}",  # İ matches i case-insensitively, though lower-casing keeps it apart
    "-- clé, key: {}",
])
def test_a_credential_word_in_any_case_or_script_marks_the_token(line: str) -> None:
    (secret,) = find_secrets("SELECT 1;\n" + line.format(RANDOM_62))
    assert (secret.kind, secret.value) == ("high-entropy token", RANDOM_62)


@pytest.mark.parametrize("line", ["PRIMARY KEY {}", "-- foreign key {}", "-- monkey {}",
                                  "-- keyring {}"])
def test_keys_of_tables_and_longer_words_name_no_credential(line: str) -> None:
    assert find_secrets(line.format(RANDOM_62)) == []


def test_mask_keeps_at_most_four_characters_and_fewer_of_short_values() -> None:
    assert mask(STRIPE_KEY) == "sk_l…"
    assert mask("hunter2") == "h…"
    assert mask("abc") == "…"


@pytest.mark.parametrize("text", [
    f"token {GITHUB_TOKEN}", "postgres://app:supersecretpw@db.internal/app",
    f"CREATE ROLE app LOGIN PASSWORD '{ROLE_PASSWORD}'", f"-- key: {STRIPE_KEY}",
])
def test_masking_twice_shows_what_masking_once_does(text: str) -> None:
    # a docs page masks text its explanation masked already
    assert mask_secrets(mask_secrets(text)) == mask_secrets(text) != text


def test_mask_secrets_hides_role_passwords_even_inside_dynamic_sql() -> None:
    assert mask_secrets("CREATE ROLE app PASSWORD 'hunter2';") == "CREATE ROLE app PASSWORD 'h…';"
    assert mask_secrets("EXECUTE 'ALTER ROLE app PASSWORD ''hunter2''';") == \
        "EXECUTE 'ALTER ROLE app PASSWORD ''h…''';"
    assert mask_secrets("ALTER ROLE app PASSWORD NULL;") == "ALTER ROLE app PASSWORD NULL;"


# Every kind of echo: finding messages, a suggested rewrite of the statement holding the secret
# (index-not-concurrent, privileged-role) and the impact summary's statement text.
LEAKY_MIGRATION = f"""-- payments: key {STRIPE_KEY}
CREATE ROLE billing LOGIN SUPERUSER PASSWORD '{ROLE_PASSWORD}';
CREATE INDEX orders_webhook_idx ON orders (customer_id) WHERE token <> '{JWT}';
"""
RAW_SECRETS = (STRIPE_KEY, ROLE_PASSWORD, JWT, JWT.split(".")[2])


def _formats() -> list[str]:
    available = []
    for name in ("text", "json", "sarif", "github", "markdown"):
        try:
            renderer(name)
        except (KeyError, ModuleNotFoundError):
            continue
        available.append(name)
    return available


@pytest.mark.parametrize("format_name", _formats())
def test_no_output_format_shows_a_secret(format_name: str, tmp_path: Path) -> None:
    review = review_sql(tmp_path, LEAKY_MIGRATION,
                        history="CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint,"
                                " token text);")
    assert len(findings_of(review, "hardcoded-secret")) == 3
    assert findings_of(review, "index-not-concurrent")[0].suggested_sql
    output = renderer(format_name)(review).replace("\\", "")  # Markdown escapes `_`
    assert "sk_l" in output  # the finding is there, masked
    for secret in RAW_SECRETS:
        assert secret not in output


def test_secret_messages_name_the_kind_and_show_it_masked(tmp_path: Path) -> None:
    review = review_sql(tmp_path, LEAKY_MIGRATION)
    messages = {finding.message for finding in findings_of(review, "hardcoded-secret")}
    assert messages == {
        "Stripe secret key (sk_l…) at line 1 is committed in the migration",
        "role billing gets a literal password (corr…) in the migration",
        "JSON web token (eyJh…) at line 3 is committed in the migration",
    }


def test_a_secret_in_a_paired_down_file_is_reported_on_the_up_file(tmp_path: Path) -> None:
    up_name = f"{CHANGESET_VERSION}_keys.up.sql"
    project = Project(root=tmp_path, changeset=[(up_name, "CREATE TABLE keys (id int);\n")],
                      files={f"supabase/migrations/{CHANGESET_VERSION}_keys.down.sql":
                             f"DROP TABLE keys;\n-- was {STRIPE_KEY}\n"})
    (finding,) = findings_of(review_project(project), "hardcoded-secret")
    assert (finding.path.endswith(up_name), finding.line) == (True, 1)
    assert f"in {CHANGESET_VERSION}_keys.down.sql at line 2" in finding.message


# A table whose default, column comment and migration header quote credentials: what the
# schema explanations and the docs tree quote from it.
SECRET_SCHEMA = (
    f"-- webhooks: signed with {STRIPE_KEY}\n"
    "CREATE TABLE public.integrations (\n"
    "  id bigint PRIMARY KEY,\n"
    f"  token text DEFAULT '{GITHUB_TOKEN}',\n"
    "  dsn text\n"
    ");\n"
    "COMMENT ON COLUMN public.integrations.dsn IS "
    f"'postgres://app:{ROLE_PASSWORD}@db.internal:5432/app';\n"
)


def _secret_project(root: Path) -> Path:
    migrations = root / "supabase" / "migrations"
    migrations.mkdir(parents=True)
    (migrations / "20250101000000_integrations.sql").write_text(SECRET_SCHEMA)
    return migrations


@pytest.mark.parametrize("command", [["explain"], ["explain", "integrations"], ["docs"]])
def test_explain_and_docs_never_print_a_secret(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _secret_project(tmp_path)
    run = cli_in(tmp_path, monkeypatch, capsys)(*command)
    assert run.code == 0
    assert "integrations" in run.out
    for secret in (STRIPE_KEY, GITHUB_TOKEN, ROLE_PASSWORD):
        assert secret not in run.out
    assert mask(GITHUB_TOKEN) in run.out  # the default is still explained, masked


def test_the_apps_explain_reply_and_doc_stubs_never_carry_a_secret(tmp_path: Path) -> None:
    migrations = _secret_project(tmp_path)
    config = Config()
    schema = load_schema([migrations], config, tmp_path)
    key = ("public", "integrations")
    for text in (explain_markdown(schema, [key], config), table_stub(schema, key, config)):
        assert GITHUB_TOKEN not in text and ROLE_PASSWORD not in text
        assert "…" in text  # the default is still explained, masked (Markdown escapes the _)
