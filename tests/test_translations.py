"""The Dutch catalogue is complete, valid, and compiled: users see Dutch, never an English source string."""

from __future__ import annotations

import ast
import gettext
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

CATALOGUE = Path(settings.LOCALE_PATHS[0]) / "nl" / "LC_MESSAGES"
PO_FILE = CATALOGUE / "django.po"
MO_FILE = CATALOGUE / "django.mo"


@dataclass
class Entry:
    flags: set[str] = field(default_factory=set)
    fields: dict[str, str] = field(default_factory=dict)
    line: int = 0

    @property
    def key(self) -> str:
        """The key gettext uses: ``context\\x04msgid`` with a context, else the msgid."""
        msgid = self.fields["msgid"]
        return f"{self.fields['msgctxt']}\x04{msgid}" if "msgctxt" in self.fields else msgid

    @property
    def translations(self) -> list[str]:
        return [value for name, value in sorted(self.fields.items()) if name.startswith("msgstr")]


def parse_po(path: Path) -> list[Entry]:
    """Entries of a PO file (header included, obsolete ``#~`` entries left out); stdlib only."""
    entries: list[Entry] = []
    entry, keyword = Entry(), None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            if entry.fields:
                entries.append(entry)
            entry, keyword = Entry(), None
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            entry.fields[keyword] += ast.literal_eval(line)
            continue
        keyword, _space, literal = line.partition(" ")
        entry.fields[keyword] = ast.literal_eval(literal)
        entry.line = entry.line or number
    if entry.fields:
        entries.append(entry)
    return entries


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    assert PO_FILE.is_file(), f"{PO_FILE} is missing: run makemessages -l nl (see README)"
    return parse_po(PO_FILE)


def test_the_header_declares_dutch_with_its_plural_rule(entries):
    header = entries[0]
    assert header.fields["msgid"] == "", "the first entry of a PO file is its header"
    assert "Language: nl\n" in header.fields["msgstr"]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);\n" in header.fields["msgstr"]


def test_every_entry_is_translated_and_none_is_fuzzy(entries):
    fuzzy = [f"line {entry.line}: {entry.fields['msgid']!r}" for entry in entries if "fuzzy" in entry.flags]
    assert not fuzzy, f"fuzzy entries in {PO_FILE.name} (check the msgstr, then drop the flag): {fuzzy}"
    untranslated = [
        f"line {entry.line}: {entry.fields['msgid']!r}"
        for entry in entries[1:]
        if not entry.translations or not all(entry.translations)
    ]
    assert not untranslated, f"untranslated entries in {PO_FILE.name}: {untranslated}"


def test_msgfmt_accepts_the_catalogue():
    """Placeholders (``%(name)s``) in every msgstr match their msgid, and the header is valid."""
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("msgfmt (GNU gettext) is not installed; the compiled catalogue is still compared below")
    result = subprocess.run(
        [msgfmt, "--check", "--output-file", "/dev/null", str(PO_FILE)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_the_compiled_catalogue_matches_the_po_file(entries):
    """django.mo is committed (a fresh machine needs no gettext): it must be compiled from this .po."""
    assert MO_FILE.is_file(), f"{MO_FILE} is missing: run compilemessages -l nl"
    with MO_FILE.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog
    compiled_keys = {key[0] if isinstance(key, tuple) else key for key in compiled} - {""}
    po_keys = {entry.key for entry in entries[1:]}
    assert compiled_keys == po_keys, (
        "django.mo is out of date; run compilemessages -l nl. "
        f"Only in the .po: {sorted(po_keys - compiled_keys)}; only in the .mo: {sorted(compiled_keys - po_keys)}"
    )
    stale = []
    for entry in entries[1:]:
        if "msgid_plural" in entry.fields:
            found = [compiled.get((entry.key, index)) for index in range(len(entry.translations))]
        else:
            found = [compiled.get(entry.key)]
        if found != entry.translations:
            stale.append(entry.fields["msgid"])
    assert not stale, f"django.mo has other translations than the .po; run compilemessages -l nl: {stale}"


def test_dutch_is_what_the_application_shows():
    with translation.override(settings.LANGUAGE_CODE):
        assert translation.gettext("Sign in") == "Inloggen"
        assert translation.pgettext("navigation", "Home") == "Start"
        assert translation.ngettext("You work for %(counter)s region:", "You work for %(counter)s regions:", 2) == (
            "U werkt voor %(counter)s regio's:"
        )
