"""Pure: where a lead went on a simple-CRM portal and what its deal is given."""

from __future__ import annotations

from hhsync.sync import lead_conversion as conversion
from hhsync.sync import mapping

LEAD = {
    "ID": "7",
    "STATUS_ID": "CONVERTED",
    "TITLE": "Отклик: Анна",
    "NAME": "Анна",
    "LAST_NAME": "Котова",
    "PHONE": [{"ID": "1", "VALUE": "+79990000000", "VALUE_TYPE": "MOBILE", "TYPE_ID": "PHONE"}],
    mapping.UF_STATUS: "Отклик",
    mapping.UF_NEGOTIATION_ID: "n-1",
    mapping.UF_RESUME_FILE: {"id": 3, "downloadUrl": "/x"},
}


def test_the_deal_of_ours_wins_then_the_oldest() -> None:
    deals = [
        {"ID": "5", "LEAD_ID": "7"},
        {"ID": "9", "LEAD_ID": "7", "ORIGINATOR_ID": mapping.ORIGINATOR_ID, "ORIGIN_ID": "n-1"},
    ]
    decision = conversion.decide("n-1", LEAD, deals, contact_id=4)
    assert isinstance(decision, conversion.Follow)
    assert decision.deal_id == 9
    oldest = conversion.decide("n-1", LEAD, [deals[0], {"ID": "6"}], contact_id=4)
    assert isinstance(oldest, conversion.Follow)
    assert oldest.deal_id == 5


def test_the_deal_gets_the_origin_user_fields_and_contact_but_not_the_file() -> None:
    deal = {"ID": "5", "LEAD_ID": "7", "TITLE": "Сделка", "STAGE_ID": "NEW"}
    decision = conversion.decide("n-1", LEAD, [deal], contact_id=4)
    assert isinstance(decision, conversion.Follow)
    assert decision.stage == "NEW"
    assert decision.new_contact is None
    assert decision.fields == {
        "ORIGINATOR_ID": mapping.ORIGINATOR_ID,
        "ORIGIN_ID": "n-1",
        mapping.UF_STATUS: "Отклик",
        mapping.UF_NEGOTIATION_ID: "n-1",
        "CONTACT_IDS": [4],
    }  # the deal's own title stays; the resume file is not copied


def test_a_deal_without_a_contact_gets_one_made_from_the_lead_unless_one_is_found() -> None:
    deal = {"ID": "5", "LEAD_ID": "7"}
    made = conversion.decide("n-1", LEAD, [deal], contact_id=None, contacts=[])
    assert isinstance(made, conversion.Follow)
    assert made.new_contact == {
        "NAME": "Анна",
        "LAST_NAME": "Котова",
        "PHONE": [{"VALUE": "+79990000000", "VALUE_TYPE": "MOBILE"}],
        "ORIGINATOR_ID": mapping.ORIGINATOR_ID,
        "ORIGIN_ID": "n-1",
    }
    assert made.fields["TITLE"] == "Отклик: Анна"  # the deal had none
    found = conversion.decide("n-1", LEAD, [deal], contact_id=None, contacts=[{"ID": "12"}])
    assert isinstance(found, conversion.Follow)
    assert found.new_contact is None
    assert found.fields["CONTACT_IDS"] == [12]
    unknown = conversion.decide("n-1", LEAD, [deal], contact_id=None, contacts=None)
    assert isinstance(unknown, conversion.NotYet)


def test_no_deal_means_wait_when_converted_and_nothing_to_follow_otherwise() -> None:
    assert isinstance(conversion.decide("n-1", LEAD, [], 4), conversion.NotYet)
    assert isinstance(conversion.decide("n-1", None, [], 4), conversion.NotYet)
    assert isinstance(conversion.decide("n-1", LEAD, None, 4), conversion.NotYet)
    kept = {**LEAD, "STATUS_ID": "NEW"}
    assert isinstance(conversion.decide("n-1", kept, [], 4), conversion.StaysLead)


def test_a_converted_lead_without_a_deal_waits_lastingly_and_a_lead_not_found_is_gone() -> None:
    converted = conversion.decide("n-1", LEAD, [], 4)
    assert isinstance(converted, conversion.NotYet)
    assert converted.lasting  # may stay so for good: given up after a while
    unread = conversion.decide("n-1", None, [], 4)
    assert isinstance(unread, conversion.NotYet)
    assert not unread.lasting  # a lookup that failed: asked again
    gone = conversion.decide("n-1", None, [], 4, lead_gone=True)
    assert isinstance(gone, conversion.Gone)
    # a deal made of it is still followed, whatever became of the lead
    kept = conversion.decide("n-1", None, [{"ID": "5", "LEAD_ID": "7"}], 4, lead_gone=True)
    assert isinstance(kept, conversion.Follow)
    assert kept.deal_id == 5
