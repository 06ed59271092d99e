"""Batch sizing by method time (hhsync.bitrix.batch_time), on figures from the documented
examples: crm-lead-add.md processing 3.31 s, batch.md's crm.contact.add 0.09 s; limits.md: a cloud
request is cut off at 60 s."""

from __future__ import annotations

import pytest

from hhsync.bitrix.batch_time import (
    PRIOR_READ_S,
    PRIOR_WRITE_S,
    REQUEST_CUTOFF_S,
    MethodTimes,
    seconds_from_time,
)

CREATE = ["crm.contact.add", "crm.lead.add", "crm.activity.configurable.add"]


def test_an_unanswered_portal_gets_small_batches_from_a_cautious_prior() -> None:
    times = MethodTimes()
    assert times.estimate("crm.lead.add") == PRIOR_WRITE_S
    assert times.estimate("crm.lead.list") == PRIOR_READ_S
    room = times.fitting([CREATE] * 16)
    assert room == 2
    # even three times slower than the prior, that first batch ends before the cut-off
    assert room * 3 * (3 * PRIOR_WRITE_S) < REQUEST_CUTOFF_S


def test_learned_times_size_batches_well_under_the_cut_off() -> None:
    times = MethodTimes()
    for method, seconds in zip(CREATE, (0.0937, 3.3077, 0.1303), strict=True):
        times.observe(method, seconds)
    room = times.fitting([CREATE] * 16)
    assert room == 5  # 5 x 3.53 s = 17.7 s; 6 would be 21.2 s, over a third of 60 s
    assert room * 3.5317 < REQUEST_CUTOFF_S / 2
    fast = MethodTimes()
    for method in CREATE:
        fast.observe(method, 0.05)
    assert fast.fitting([CREATE] * 16) == 16


def test_a_slower_answer_is_believed_at_once_a_faster_one_gradually() -> None:
    times = MethodTimes()
    times.observe("crm.lead.add", 1.0)
    times.observe("crm.lead.add", 5.0)
    assert times.estimate("crm.lead.add") == 5.0
    times.observe("crm.lead.add", 1.0)
    assert 1.0 < times.estimate("crm.lead.add") < 5.0


def test_a_cut_off_makes_the_batch_it_hit_worth_60_seconds_at_least_double() -> None:
    times = MethodTimes()
    times.observe("crm.lead.add", 2.0)
    times.timed_out(["crm.lead.add"] * 4)  # believed 8 s, took over 60 s
    assert times.estimate("crm.lead.add") == 15.0
    assert times.fitting([["crm.lead.add"]] * 50) == 1
    slow = MethodTimes()
    slow.observe("crm.lead.add", 2.0)
    slow.timed_out(["crm.lead.add"] * 40)  # believed 80 s: at least twice as slow
    assert slow.estimate("crm.lead.add") == 4.0


def test_a_write_the_client_gave_up_on_scales_to_the_time_it_was_given() -> None:
    # bitrix.request_timeout_s (30 s) ends a write before the portal's 60 s cut-off: the batch
    # is known to have taken 30 s, not 60 s, so its methods are not believed twice as slow again.
    times = MethodTimes()
    times.observe("crm.lead.add", 2.0)
    times.timed_out(["crm.lead.add"] * 4, took_s=30.0)  # believed 8 s, took over 30 s
    assert times.estimate("crm.lead.add") == 7.5
    assert times.fitting([["crm.lead.add"]] * 50) == 2
    cut_off = MethodTimes()
    cut_off.observe("crm.lead.add", 2.0)
    cut_off.timed_out(["crm.lead.add"] * 4)  # the portal's cut-off: worth 60 s
    assert cut_off.estimate("crm.lead.add") == 15.0
    short = MethodTimes()
    short.observe("crm.lead.add", 2.0)
    short.timed_out(["crm.lead.add"] * 4, took_s=10.0)  # still at least twice as slow
    assert short.estimate("crm.lead.add") == 4.0


def test_one_item_always_fits_whatever_it_costs() -> None:
    times = MethodTimes()
    times.observe("crm.lead.add", 100.0)
    assert times.fitting([["crm.lead.add"]] * 3) == 1
    assert times.fitting([]) == 0


@pytest.mark.parametrize(
    ("block", "seconds"),
    [
        ({"duration": 4.175, "processing": 3.307}, 4.175),
        ({"processing": 0.68}, 0.68),
        ({"duration": "x"}, None),
        (None, None),
    ],
)
def test_seconds_come_from_the_time_block(
    block: dict[str, object] | None, seconds: float | None
) -> None:
    assert seconds_from_time(block) == seconds
