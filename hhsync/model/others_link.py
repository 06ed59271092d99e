"""What the timeline activity's «Другие отклики» button hands the app page, and nothing more.

The activity is written once and read for years, so the button carries only what stays true: the
view to render and the hh.ru negotiation id. Bitrix24 passes both to the app in
``PLACEMENT_OPTIONS`` (as strings) when the button is clicked; the app resolves the applicant and
their responses from the database at that moment.
"""

from __future__ import annotations

from typing import Final

VIEW_KEY: Final = "view"
OTHERS_VIEW: Final = "others"
NEGOTIATION_KEY: Final = "negotiation"


def action_params(negotiation_id: str) -> dict[str, str]:
    """The button's ``actionParams``: two scalars (Bitrix24 allows at most 20)."""
    return {VIEW_KEY: OTHERS_VIEW, NEGOTIATION_KEY: negotiation_id}
