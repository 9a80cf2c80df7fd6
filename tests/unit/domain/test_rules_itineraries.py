from __future__ import annotations

import random
from datetime import date

import pytest
from domain_builders import SECTORS, held, one_per_sector

from issuer.domain.model import Decision, ItineraryKind
from issuer.domain.rules import (
    ItineraryProgress,
    NearItinerary,
    choose_expertise,
    choose_interdisciplinary,
    counted_at_close,
    expertise_due,
    interdisciplinary_due,
    itinerary_progress,
    near_itineraries,
)

INTER, EXPERT = ItineraryKind.INTERDISCIPLINARY, ItineraryKind.EXPERTISE
D = date(2024, 12, 1)


def reasons(decision: Decision) -> list[dict]:
    return [r.to_dict() | {"detail": "-"} for r in decision.reasons]


def in_sector(sector: str, codes, start_day: int = 1) -> list:
    return [held(code, sector, date(2024, 12, start_day + i)) for i, code in enumerate(codes)]


# --- interdisciplinary ---------------------------------------------------------------------

INTER_CASES = [
    ("six-sectors", one_per_sector(), False, []),
    ("five-sectors", one_per_sector(SECTORS[:5]), False,
     [{"code": "MISSING_SECTORS", "detail": "-", "sectors": ["WATER"], "have": 5, "need": 6}]),
    ("two-in-one-sector-still-five", one_per_sector(SECTORS[:5]) + [held("BLU02", "BLUE", D)], False,
     [{"code": "MISSING_SECTORS", "detail": "-", "sectors": ["WATER"], "have": 5, "need": 6}]),
    ("nothing", [], False,
     [{"code": "MISSING_SECTORS", "detail": "-", "sectors": sorted(SECTORS), "have": 0, "need": 6}]),
    ("three-missing-sorted", one_per_sector(("WATER", "BLUE", "SMART")), False,
     [{"code": "MISSING_SECTORS", "detail": "-", "sectors": ["CLIMATE", "HEALTH", "SOCIETY"], "have": 3,
       "need": 6}]),
    ("outside-sector-ignored", one_per_sector(SECTORS[:5]) + [held("ART01", "ARTS", D)], False,
     [{"code": "MISSING_SECTORS", "detail": "-", "sectors": ["WATER"], "have": 5, "need": 6}]),
    ("already-issued", one_per_sector(), True, [{"code": "ALREADY_ISSUED", "detail": "-"}]),
]


@pytest.mark.parametrize(("held_list", "already", "expected"), [c[1:] for c in INTER_CASES],
                         ids=[c[0] for c in INTER_CASES])
def test_interdisciplinary_due(held_list, already, expected):
    decision = interdisciplinary_due(held_list, SECTORS, already_issued=already)
    assert reasons(decision) == expected
    assert decision.due is (not expected)


def test_missing_sectors_detail_names_the_sector():
    decision = interdisciplinary_due(one_per_sector(SECTORS[:5]), SECTORS, already_issued=False)
    assert "WATER" in decision.reasons[0].detail


def test_sectors_are_a_parameter():
    three = ("A", "B", "C")
    assert interdisciplinary_due(one_per_sector(three), three, already_issued=False).due
    assert choose_interdisciplinary(one_per_sector(three), three) is not None


def test_choose_interdisciplinary_one_per_sector_in_sector_order():
    chosen = choose_interdisciplinary(one_per_sector(), SECTORS)
    assert [c.sector for c in chosen] == list(SECTORS)
    assert choose_interdisciplinary(one_per_sector(SECTORS[:5]), SECTORS) is None


def test_choose_interdisciplinary_prefers_earliest_then_course_code_then_semester():
    base = one_per_sector(SECTORS[1:])
    blue = [held("BLU09", "BLUE", date(2024, 12, 3)), held("BLU05", "BLUE", date(2024, 12, 2), "2025-spring"),
            held("BLU05", "BLUE", date(2024, 12, 2), "2024-autumn"), held("BLU07", "BLUE", date(2024, 12, 2))]
    chosen = choose_interdisciplinary(base + blue, SECTORS)
    assert (chosen[0].course_code, chosen[0].semester) == ("BLU05", "2024-autumn")


SHUFFLED_INPUT = (one_per_sector() + one_per_sector(start=date(2024, 11, 1))[:3]
                  + in_sector("SMART", ["SMA09", "SMA02", "SMA05", "SMA07", "SMA03", "SMA08", "SMA04"])
                  + [held("SMA02", "SMART", date(2024, 10, 1), "2024-spring"), held("SMA11", "SMART", D),
                     held("SMA10", "SMART", D)])


@pytest.mark.parametrize("seed", range(8))
def test_component_choice_does_not_depend_on_input_order(seed):
    shuffled = list(SHUFFLED_INPUT)
    random.Random(seed).shuffle(shuffled)
    assert choose_interdisciplinary(shuffled, SECTORS) == choose_interdisciplinary(SHUFFLED_INPUT, SECTORS)
    assert choose_expertise(shuffled, "SMART") == choose_expertise(SHUFFLED_INPUT, "SMART")
    assert itinerary_progress(shuffled, SECTORS) == itinerary_progress(SHUFFLED_INPUT, SECTORS)


def test_expertise_choice_is_the_earliest_six_distinct_courses():
    chosen = choose_expertise(SHUFFLED_INPUT, "SMART")
    assert [(c.course_code, c.semester) for c in chosen] == [
        ("SMA02", "2024-spring"), ("SMA01", "2024-autumn"), ("SMA09", "2024-autumn"),
        ("SMA10", "2024-autumn"), ("SMA11", "2024-autumn"), ("SMA05", "2024-autumn")]


# --- expertise -----------------------------------------------------------------------------

SIX_WITH_RETAKE = in_sector("SMART", ["SMA01", "SMA02", "SMA03", "SMA04", "SMA05"]) + [
    held("SMA03", "SMART", date(2025, 5, 1), "2025-spring")]

EXPERT_CASES = [
    ("six-distinct", in_sector("SMART", [f"SMA0{i}" for i in range(1, 7)]), False, []),
    ("six-with-a-retake", SIX_WITH_RETAKE, False,
     [{"code": "NEEDS_MORE_IN_SECTOR", "detail": "-", "sector": "SMART", "have": 5, "need": 6}]),
    ("other-sectors-do-not-count", in_sector("SMART", ["SMA02", "SMA03"]) + one_per_sector(), False,
     [{"code": "NEEDS_MORE_IN_SECTOR", "detail": "-", "sector": "SMART", "have": 3, "need": 6}]),
    ("none", [], False, [{"code": "NEEDS_MORE_IN_SECTOR", "detail": "-", "sector": "SMART", "have": 0, "need": 6}]),
    ("already-issued", in_sector("SMART", [f"SMA0{i}" for i in range(1, 8)]), True,
     [{"code": "ALREADY_ISSUED", "detail": "-"}]),
]


@pytest.mark.parametrize(("held_list", "already", "expected"), [c[1:] for c in EXPERT_CASES],
                         ids=[c[0] for c in EXPERT_CASES])
def test_expertise_due(held_list, already, expected):
    decision = expertise_due(held_list, "SMART", already_issued=already)
    assert reasons(decision) == expected
    assert decision.due is (not expected)


def test_a_retake_counts_once_and_keeps_the_earliest():
    assert choose_expertise(SIX_WITH_RETAKE, "SMART") is None
    seven = SIX_WITH_RETAKE + [held("SMA06", "SMART", date(2025, 6, 1), "2025-spring")]
    chosen = choose_expertise(seven, "SMART")
    assert [c.course_code for c in chosen] == ["SMA01", "SMA02", "SMA03", "SMA04", "SMA05", "SMA06"]
    assert chosen[2].semester == "2024-autumn"


def test_one_course_may_count_toward_both_itineraries():
    smart = in_sector("SMART", [f"SMA0{i}" for i in range(1, 7)])
    held_list = smart + one_per_sector(tuple(s for s in SECTORS if s != "SMART"))
    inter = choose_interdisciplinary(held_list, SECTORS)
    expert = choose_expertise(held_list, "SMART")
    assert smart[0] in inter and smart[0] in expert


# --- progress and near ---------------------------------------------------------------------


def test_progress_has_interdisciplinary_and_each_held_sector():
    held_list = in_sector("SMART", ["SMA01", "SMA02"]) + [held("WAT01", "WATER", D)]
    progress = itinerary_progress(held_list, SECTORS, issued={(EXPERT, "WATER")})
    assert [(p.kind, p.sector) for p in progress] == [(INTER, None), (EXPERT, "SMART"), (EXPERT, "WATER")]
    inter, smart, water = progress
    assert reasons(inter.decision) == [{"code": "MISSING_SECTORS", "detail": "-", "have": 2, "need": 6,
                                        "sectors": ["BLUE", "CLIMATE", "HEALTH", "SOCIETY"]}]
    assert [c.course_code for c in inter.components] == ["SMA01", "WAT01"]
    assert reasons(smart.decision) == [{"code": "NEEDS_MORE_IN_SECTOR", "detail": "-", "sector": "SMART",
                                        "have": 2, "need": 6}]
    assert [c.course_code for c in smart.components] == ["SMA01", "SMA02"]
    assert [r.code for r in water.decision.reasons] == ["NEEDS_MORE_IN_SECTOR", "ALREADY_ISSUED"]


def test_progress_when_due():
    progress = itinerary_progress(one_per_sector(), SECTORS)
    assert progress[0] == ItineraryProgress(INTER, None, Decision(due=True),
                                            tuple(choose_interdisciplinary(one_per_sector(), SECTORS)))
    assert len(progress) == 7


NEAR_CASES = [
    ("one-sector-missing", one_per_sector(SECTORS[:5]), frozenset(), [NearItinerary(INTER, None, 1)]),
    ("two-missing-plus-expertise-4", one_per_sector(SECTORS[:4])
     + in_sector("SMART", ["SMA02", "SMA03", "SMA04"]), frozenset(),
     [NearItinerary(INTER, None, 2), NearItinerary(EXPERT, "SMART", 2)]),
    ("three-missing-is-not-near", one_per_sector(SECTORS[:3]), frozenset(), []),
    ("due-is-not-near", one_per_sector(), frozenset(), []),
    ("issued-is-not-near", one_per_sector(SECTORS[:5]), frozenset({(INTER, None)}), []),
    ("expertise-5", in_sector("HEALTH", ["HEA01", "HEA02", "HEA03", "HEA04", "HEA05"]), frozenset(),
     [NearItinerary(EXPERT, "HEALTH", 1)]),
]


@pytest.mark.parametrize(("held_list", "issued", "expected"), [c[1:] for c in NEAR_CASES],
                         ids=[c[0] for c in NEAR_CASES])
def test_near_itineraries(held_list, issued, expected):
    assert near_itineraries(held_list, SECTORS, issued=issued) == expected


def test_close_counts_that_semester_and_earlier_only():
    held_list = [held("A", "BLUE", D, "2024-spring"), held("B", "BLUE", D, "2024-autumn"),
                 held("C", "BLUE", D, "2025-spring"), held("D", "BLUE", D, "2023-autumn")]
    assert [h.course_code for h in counted_at_close(held_list, "2024-autumn")] == ["A", "B", "D"]
