"""The pure split planner of a deep listing (hhsync.hh.deep_split): every split covers its part,
ranges are cut until one value is left, and ``found`` counts decide what is kept."""

from __future__ import annotations

from hhsync.hh.deep_split import DIMENSIONS, Part, keep, split


def test_the_first_split_is_by_experience_bucket() -> None:
    children = split(Part())
    assert children is not None
    assert [c.params() for c in children] == [
        {"experience": "noExperience"},
        {"experience": "between1And3"},
        {"experience": "between3And6"},
        {"experience": "moreThan6"},
    ]
    assert all(c.dimension == 1 for c in children)


def test_a_range_is_cut_at_its_pivot_then_doubled_above_and_halved_below() -> None:
    age = next(i for i, d in enumerate(DIMENSIONS) if d.name == "age")
    start = Part((("experience", "moreThan6"), ("gender", "male")), age)
    below, above = split(start) or []
    assert below.params() == {
        "experience": "moreThan6",
        "gender": "male",
        "age_from": "0",
        "age_to": "35",
    }
    assert above.params()["age_from"] == "36"
    assert "age_to" not in above.params()
    higher, highest = split(above) or []
    assert (higher.low, higher.high, highest.low, highest.high) == (36, 72, 73, None)
    lower, upper = split(below) or []
    assert (lower.low, lower.high, upper.low, upper.high) == (0, 17, 18, 35)


def test_a_one_value_range_moves_on_to_the_next_filter() -> None:
    age = next(i for i, d in enumerate(DIMENSIONS) if d.name == "age")
    narrow = Part((), age, 30, 30)
    children = split(narrow) or []
    assert children, "salary comes next"
    assert all(c.params()["age_from"] == "30" == c.params()["age_to"] for c in children)
    assert {c.params().get("salary_to") for c in children} == {"100000", None}


def test_nothing_left_to_split_on() -> None:
    last = Part((("education_level", "master"),), len(DIMENSIONS))
    assert split(last) is None


def test_a_child_counting_as_many_as_its_parent_is_the_parent() -> None:
    parent = Part()
    children = split(parent) or []
    answered = [(children[0], 0), (children[1], 0), (children[2], 0), (children[3], 2500)]
    assert keep(parent, 2500, answered, 2000) == [children[3]]


def test_a_filter_that_tells_nothing_is_skipped() -> None:
    parent = Part((("experience", "moreThan6"),), 1)  # split by gender next
    children = split(parent) or []
    kept = keep(parent, 2500, [(c, 2500) for c in children], 2000)  # nobody gives a gender
    assert kept == [Part((("experience", "moreThan6"),), 2)]


def test_empty_children_are_dropped_and_the_rest_kept() -> None:
    parent = Part()
    children = split(parent) or []
    answered = [(children[0], 0), (children[1], 900), (children[2], 1200), (children[3], 1100)]
    assert keep(parent, 3200, answered, 2000) == children[1:]


def test_a_filter_most_resumes_leave_out_is_given_up() -> None:
    parent = Part((("experience", "moreThan6"),), 1)  # split by gender next
    male, female = split(parent) or []
    # 2,400 give no gender: each child lists them, plus its own 100 and 120
    kept = keep(parent, 2620, [(male, 2500), (female, 2520)], 2000)
    assert kept == [parent.settled()]


def test_a_filter_few_resumes_leave_out_still_splits() -> None:
    parent = Part((("experience", "moreThan6"),), 1)
    male, female = split(parent) or []
    # 150 give no gender: 1,550 and 1,600 both fit the depth
    assert keep(parent, 3000, [(male, 1550), (female, 1600)], 2000) == [male, female]
