"""Credentials in SQL text: finding them, and masking them wherever a review echoes SQL.

A credential is recognised by its shape, anywhere in the text (string constants, comments,
function bodies): well-known API key prefixes, JSON web tokens, private key blocks, URLs that
carry a password, and long random-looking tokens on a line that talks about a key, secret,
token or password. Ordinary literals (UUIDs, identifiers, hashes on lines without such a word)
are left alone.

Whatever its shape, the literal of a `PASSWORD '…'` clause is a secret too, so `mask_secrets`
never lets a report show a role's password.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

ELLIPSIS = "…"


@dataclass(frozen=True, slots=True)
class Secret:
    kind: str  # what it looks like: "Stripe secret key", "JSON web token", …
    start: int  # character offsets of the secret in the scanned text
    end: int
    value: str

    @property
    def masked(self) -> str:
        return mask(self.value)


def mask(value: str) -> str:
    """At most the first four characters, fewer for a short value, then an ellipsis."""
    return value[: min(4, len(value) // 4)] + ELLIPSIS


_PRIVATE_KEY_LABEL = r"-----(?:BEGIN|END) (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
# (kind, literals one of which every match contains, pattern): the literals are looked up with
# `in` first, which is far faster than running every pattern over every text.
_SHAPES: tuple[tuple[str, tuple[str, ...], re.Pattern[str]], ...] = tuple(
    (kind, markers, re.compile(pattern)) for kind, markers, pattern in (
        ("private key", ("PRIVATE KEY-----",),
         _PRIVATE_KEY_LABEL.replace("(?:BEGIN|END)", "BEGIN")
         + r"(?:[\s\S]*?" + _PRIVATE_KEY_LABEL.replace("(?:BEGIN|END)", "END")
         + r"|[A-Za-z0-9+/=\s]*)"),
        ("AWS access key", ("AKIA", "ASIA"), r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
        ("Google API key", ("AIza",), r"\bAIza[0-9A-Za-z_-]{35}"),
        ("GitHub token", ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
         r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})"),
        ("Slack token", ("xox",), r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
        ("Stripe secret key", ("_live_", "_test_"), r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}"),
        ("Stripe webhook secret", ("whsec_",), r"\bwhsec_[A-Za-z0-9+/=]{20,}"),
        ("Supabase secret key", ("sbp_", "sb_secret_"),
         r"\b(?:sbp_[a-f0-9]{40}|sb_secret_[A-Za-z0-9_-]{20,})"),
        ("SendGrid API key", ("SG.",), r"\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}"),
        ("secret API key", ("sk-",),
         r"(?<![\w-])sk-(?:[a-z]+-)?(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9_-]{20,}"),
        ("JSON web token", ("eyJ",),
         r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    )
)
_ANY_MARKER = re.compile("|".join(re.escape(marker) for _, markers, _ in _SHAPES
                                  for marker in markers))
# scheme://user:password@host: the password is the secret.
_URL_PASSWORD = re.compile(r"\b[a-z][a-z0-9+.-]{1,20}://[^\s:/@'\"]+:(?P<secret>[^\s@'\"/]+)@")
# Values a migration runner substitutes, and spelled-out stand-ins in examples.
_PLACEHOLDER = re.compile(
    r"""^(?: \$\{.*\} | \{\{.*\}\} | (?-i:\$[A-Z_][A-Z0-9_]*) | :['"]?\w+['"]?
         | %(?:\(\w+\))?s | <[^>]*> | \[[^]]*\] | __\w+__ | \*+ | x+ | \.\.\.+
         | (?:your[_-]?)?pass(?:word)? | secret )$""",
    re.IGNORECASE | re.VERBOSE,
)
# Lower-case fragments one of which every credential word contains: in ASCII text, `in` and
# `find` locate the lines that may name a credential far faster than the regex does.
_CREDENTIAL_FRAGMENTS = ("key", "secret", "token", "passw", "pwd", "credential")
_CREDENTIAL_WORDS = ("secret", "token", "password", "passwd", "pwd", "credential")
_LINE_START = re.compile(r"^", re.MULTILINE)
# The same words for other text, where case-insensitive matching follows Unicode's rules
# ("credentİal", "ßkey"), which plain lower-casing does not reproduce.
_CREDENTIAL_WORD = re.compile(
    r"api[_-]?key|secret|token|passw(?:or)?d|pwd|credential|"
    r"(?<!primary )(?<!foreign )(?<![a-z])key(?![a-z])",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{20,}={0,2}(?![A-Za-z0-9+/_=-])")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_HEX = re.compile(r"[0-9a-fA-F]+")
_RANDOM_RUN = re.compile(r"(?=[A-Za-z0-9]*[0-9])(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{12,}")
_HEX_ENTROPY = 3.0  # bits per character: random hex has about 3.7-4
_TOKEN_ENTROPY = 4.0  # random base64 of 20+ characters has 4.2 or more; words have less
_SCRAM_VERIFIER = re.compile(r"^SCRAM-SHA-256\$\d+:[^$]+\$[^:]+:.+$")
# Spelled out instead of IGNORECASE and \b: a literal start lets the regex engine skip ahead.
_PASSWORD_CLAUSE = re.compile(
    r"[Pp][Aa][Ss][Ss][Ww][Oo][Rr][Dd]\s+(?:''(?P<doubled>[^']+)''|[Ee]?'(?P<plain>(?:''|[^'])*)')"
)


def find_secrets(text: str) -> list[Secret]:
    """Every credential-shaped string of `text`, in order, without overlaps."""
    lowered = text.lower()
    found = list(_role_passwords(text)) if "password" in lowered else []
    if _ANY_MARKER.search(text):  # one pass rules out every shape on almost every text
        found += [Secret(kind, match.start(), match.end(), match.group())
                  for kind, markers, pattern in _SHAPES
                  if any(marker in text for marker in markers)
                  for match in pattern.finditer(text)]
    if "://" in text:
        found.extend(_url_passwords(text))
    if not text.isascii() or any(fragment in lowered for fragment in _CREDENTIAL_FRAGMENTS):
        found.extend(_random_tokens(text, lowered, found))
    return _without_overlaps(found) if len(found) > 1 else found


def _url_passwords(text: str) -> Iterator[Secret]:
    for match in _URL_PASSWORD.finditer(text):
        if not is_placeholder(match.group("secret")):
            yield Secret("password in a connection URL", match.start("secret"),
                         match.end("secret"), match.group("secret"))


def _role_passwords(text: str) -> Iterator[Secret]:
    """`PASSWORD '…'` literals: of a role statement, in dynamic SQL (quotes doubled) or in a
    comment, whatever they look like."""
    for match in _PASSWORD_CLAUSE.finditer(text):
        group = "doubled" if match.group("doubled") is not None else "plain"
        before = text[match.start() - 1 : match.start()]
        if not (before.isalnum() or before == "_") and is_password(match.group(group)):
            yield Secret("password", match.start(group), match.end(group),
                         match.group(group))


def is_password(value: str) -> bool:
    """A literal role password: not a placeholder, and not a SCRAM verifier (what PostgreSQL
    itself stores, which cannot be replayed to log in; an md5 hash can, so it counts)."""
    return not is_placeholder(value) and not _SCRAM_VERIFIER.match(value)


def is_placeholder(value: str) -> bool:
    """A variable the runner fills in, an obvious stand-in, or a value masked already (masking
    text twice must not shorten it further), rather than a real secret."""
    return not value or value.endswith(ELLIPSIS) or bool(_PLACEHOLDER.match(value))


def _random_tokens(text: str, lowered: str, known: list[Secret]) -> list[Secret]:
    """Random-looking tokens on a line that names a credential."""
    tokens = []
    for line_start, line_end in _credential_lines(text, lowered):
        for match in _TOKEN.finditer(text, line_start, line_end):
            start, end = match.span()
            if _looks_random(match.group()) and not any(s.start < end and start < s.end
                                                        for s in known):
                tokens.append(Secret("high-entropy token", start, end, match.group()))
    return tokens


def _credential_lines(text: str, lowered: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each line of `text` with a credential word. In ASCII text only the lines
    holding one of the words' fragments are searched: scanning a long text for tokens costs
    far more."""
    if not text.isascii():
        for match in _LINE_START.finditer(text):
            start, end = match.start(), _line_end(text, match.start())
            if _CREDENTIAL_WORD.search(text, start, end):
                yield start, end
        return
    starts = sorted({text.rfind("\n", 0, at) + 1 for fragment in _CREDENTIAL_FRAGMENTS
                     for at in _occurrences(lowered, fragment)})
    for start in starts:
        end = _line_end(text, start)
        if _names_credential(lowered[start:end]):
            yield start, end


def _line_end(text: str, start: int) -> int:
    end = text.find("\n", start)
    return len(text) if end == -1 else end


def _names_credential(line: str) -> bool:
    """Whether a lower-cased ASCII line names a credential, as `_CREDENTIAL_WORD` does: a
    secret, token, password or credential, an API key, or a key that is neither primary nor
    foreign nor part of a longer word."""
    if any(word in line for word in _CREDENTIAL_WORDS):
        return True
    at = line.find("key")
    while at != -1:
        if _is_credential_key(line, at):
            return True
        at = line.find("key", at + 3)
    return False


def _is_credential_key(line: str, at: int) -> bool:
    before = line[:at]
    if before.endswith(("api", "api_", "api-")):
        return True
    return not (before[-1:].isalpha() or line[at + 3 : at + 4].isalpha()
                or before.endswith(("primary ", "foreign ")))


def _occurrences(text: str, fragment: str) -> Iterator[int]:
    at = text.find(fragment)
    while at != -1:
        yield at
        at = text.find(fragment, at + len(fragment))


def _looks_random(token: str) -> bool:
    if _UUID.search(token) or not _RANDOM_RUN.search(token):
        return False
    threshold = _HEX_ENTROPY if _HEX.fullmatch(token) else _TOKEN_ENTROPY
    return entropy(token) >= threshold


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(value)
    size = len(value)
    return -sum(count / size * math.log2(count / size) for count in counts.values())


def _without_overlaps(secrets: list[Secret]) -> list[Secret]:
    kept: list[Secret] = []
    for secret in sorted(secrets, key=lambda s: (s.start, -s.end)):
        if not kept or secret.start >= kept[-1].end:
            kept.append(secret)
    return kept


def mask_secrets(text: str) -> str:
    """`text` with every credential, role passwords included, masked."""
    masked = text  # most texts hold none: returned as they are, not copied
    for secret in reversed(find_secrets(text)):
        masked = masked[: secret.start] + secret.masked + masked[secret.end :]
    return masked
