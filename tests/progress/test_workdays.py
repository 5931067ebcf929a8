from datetime import date

from inburgering.workdays import add_working_days, is_working_day, working_days_between


def test_termijnenwet_holidays_are_not_working_days_but_good_friday_is():
    assert not is_working_day(date(2026, 4, 27))  # Koningsdag (Monday)
    assert not is_working_day(date(2026, 5, 5))  # Bevrijdingsdag, every year under the Algemene termijnenwet
    assert not is_working_day(date(2027, 5, 5))
    assert not is_working_day(date(2026, 5, 14))  # Hemelvaartsdag
    assert not is_working_day(date(2026, 5, 25))  # Tweede pinksterdag
    assert not is_working_day(date(2026, 4, 6))  # Tweede paasdag
    assert not is_working_day(date(2026, 12, 25))
    assert not is_working_day(date(2026, 12, 26))
    assert not is_working_day(date(2027, 1, 1))
    assert is_working_day(date(2026, 4, 3))  # Goede vrijdag is not in the Algemene termijnenwet
    assert not is_working_day(date(2026, 11, 28))  # Saturday


def test_koningsdag_on_a_sunday_moves_to_the_saturday_before():
    # 27 April 2025 was a Sunday: King's Day was Saturday 26 April, both weekend days.
    assert not is_working_day(date(2025, 4, 26))
    assert is_working_day(date(2025, 4, 28))


def test_ten_working_days_across_koningsdag_and_bevrijdingsdag():
    # Known Thursday 23 April 2026: 24, 28, 29, 30 April, 1, 4, 6, 7, 8, 11 May (27 April and 5 May skipped).
    assert add_working_days(date(2026, 4, 23), 10) == date(2026, 5, 11)


def test_ten_working_days_across_christmas_and_new_year():
    # Known Friday 18 December 2026: 21, 22, 23, 24, 28, 29, 30, 31 Dec, 4, 5 Jan.
    assert add_working_days(date(2026, 12, 18), 10) == date(2027, 1, 5)


def test_working_days_between_counts_after_the_start_up_to_the_end():
    assert working_days_between(date(2026, 12, 18), date(2027, 1, 5)) == 10
    assert working_days_between(date(2026, 12, 18), date(2026, 12, 18)) == 0
    assert working_days_between(date(2026, 12, 24), date(2026, 12, 28)) == 1
