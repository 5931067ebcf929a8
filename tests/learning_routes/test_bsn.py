"""The BSN: elfproef, encrypted at rest, found through a keyed hash, masked everywhere."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from learning_routes.bsn import bsn_lookup_hash, mask_bsn, normalise_bsn, passes_elfproef, validate_bsn


@pytest.mark.parametrize("bsn", ["111222333", "123456782", "010000008"])
def test_valid_bsns_pass_the_elfproef(bsn):
    assert passes_elfproef(bsn)


@pytest.mark.parametrize("bsn", ["111222334", "123456789", "000000000", "12345678a", "1234"])
def test_invalid_bsns_fail(bsn):
    assert not passes_elfproef(bsn)


def test_an_eight_digit_bsn_gets_its_leading_zero_and_spaces_are_ignored():
    assert normalise_bsn("10000008") == "010000008"
    assert validate_bsn(" 1112 22 333 ") == "111222333"


def test_validation_messages_are_dutch_and_say_what_is_wrong():
    with pytest.raises(ValidationError, match="elfproef"):
        validate_bsn("123456789")
    with pytest.raises(ValidationError, match="9 cijfers"):
        validate_bsn("12345")


def test_masking_shows_only_the_last_four_digits():
    assert mask_bsn("111222333") == "*****2333"


def test_the_database_row_holds_neither_the_bsn_nor_a_plain_hash(learner):
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM learning_routes_learner WHERE id = %s", [learner.pk])
        row = " ".join(str(value) for value in cursor.fetchone())
    assert "111222333" not in row
    import hashlib

    assert hashlib.sha256(b"111222333").hexdigest() not in row
    assert learner.bsn == "111222333"


def test_the_history_table_holds_no_bsn_either(learner):
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM learning_routes_historicallearner")
        rows = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert "111222333" not in rows
    assert learner.bsn_encrypted not in rows


def test_the_lookup_hash_is_keyed(settings):
    first = bsn_lookup_hash("111222333")
    settings.BSN_KEY = "another-key"
    assert bsn_lookup_hash("111222333") != first
