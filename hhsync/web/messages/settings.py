"""Messages of the settings page: the «Настройки» tab (labels from the official app's guide)."""

from __future__ import annotations

from typing import Final

RU: Final[dict[str, str]] = {
    "title": "Настройки",
    "responsible": "Ответственный",
    "responsible_pick": "Выбрать",
    "responsible_search": "Найти сотрудника",
    "responsible_none": "Не выбран",
    "entity_type": "Тип сущности",
    "entity_lead": "Лид",
    "entity_deal": "Сделка",
    "category": "Воронка",
    "source": "Источник",
    "source_none": "Не указан",
    "extended": "Расширенная синхронизация",
    "stage_column_hh": "Статус на hh.ru",
    "stage_column_crm": "Стадия в CRM",
    "stage_default": "Как в CRM по умолчанию",
    "stage_response": "Отклики",
    "stage_invitation": "Приглашения",
    "stage_invitation_extended": "Приглашения (остальные)",
    "stage_consider": "Подумать",
    "stage_phone_interview": "Телефонное интервью",
    "stage_assessment": "Оценка",
    "stage_interview": "Интервью",
    "stage_offer": "Предложение о работе",
    "stage_hired": "Выход на работу",
    "stage_discard_by_employer": "Отказ",
    "stage_discard_by_applicant": "Отказ соискателя",
    "stage_fallback_note": (
        "У статуса hh.ru без своей строки стадия берётся так: другие отказы (например, "
        "«Вакансия закрыта») — из строки «Отказ», остальные отклики — из «Отклики», "
        "приглашения — из «Приглашения (остальные)», и тогда переход в такой статус стадию не "
        "меняет. Поле «Статус hh.ru» в карточке всегда показывает название статуса с hh.ru."
    ),
    "required_title": "Обязательные поля, которые приложение не заполняет",
    "required_fails": (
        "Пока эти поля обязательны, лиды и сделки не будут созданы. Сохранить можно: отклики "
        "не потеряются и будут созданы повторно, когда поле перестанет быть обязательным."
    ),
    "required_sometimes": "заполняется, только если соискатель указал его в резюме",
    "save": "Сохранить",
    "saving": "Сохранение…",
    "saved": "Настройки сохранены.",
    "loading": "Загрузка данных портала…",
    "read_only_note": "Настройки может менять только администратор портала.",
    "progress_title": "Идёт загрузка откликов",
    "progress_done": "Загрузка завершена",
    "progress_loaded": "Откликов загружено",
    "progress_imported_lead": "Лидов импортировано",
    "progress_imported_deal": "Сделок импортировано",
    "progress_failed": "Ожидают повтора",
    "progress_pending": "В очереди",
    "progress_errors": "Ошибки",
    "progress_reason_required_field": "Не заполнено обязательное поле {fields}",
    "progress_reason_crm_rejected": "Битрикс24 не принял отклик",
    "progress_reason_bad_payload": "Данные отклика не удалось перенести в CRM",
    "progress_reason_unknown": "Другая ошибка: подробности во вкладке «Журнал»",
    "required_of_contact": "Контакт",
    "responsible_search_hint": "Введите имя или фамилию",
    "portal_unreachable": (
        "Портал Битрикс24 сейчас не отвечает, списки не загружены. Обновите вкладку чуть позже."
    ),
    "invalid_entity_type": "Выберите тип сущности: лид или сделка.",
    "leads_off": (
        "В этом Битрикс24 включён простой режим CRM, лидов в нём нет: отклики будут "
        "создаваться сделками. Включить лиды можно в настройках CRM (классический режим)."
    ),
    "leads_off_refused": (
        "Лиды выбрать нельзя: в этом Битрикс24 включён простой режим CRM без лидов. "
        "Выберите «Сделка»."
    ),
    "choose_responsible": "Выберите ответственного.",
    "invalid_responsible_user_id": "Такого сотрудника нет на портале. Выберите ответственного.",
    "invalid_category_id": "Такой воронки нет на портале. Выберите воронку.",
    "invalid_source_id": "Такого источника нет на портале. Выберите источник.",
    "invalid_stage": "Такой стадии нет в выбранной воронке. Выберите стадию.",
}

EN: Final[dict[str, str]] = {
    "title": "Settings",
    "responsible": "Responsible person",
    "responsible_pick": "Choose",
    "responsible_search": "Find an employee",
    "responsible_none": "Not chosen",
    "entity_type": "Entity type",
    "entity_lead": "Lead",
    "entity_deal": "Deal",
    "category": "Pipeline",
    "source": "Source",
    "source_none": "Not set",
    "extended": "Extended synchronization",
    "stage_column_hh": "Status on hh.ru",
    "stage_column_crm": "CRM stage",
    "stage_default": "The CRM's default",
    "stage_response": "Responses",
    "stage_invitation": "Invitations",
    "stage_invitation_extended": "Invitations (other states)",
    "stage_consider": "Consider",
    "stage_phone_interview": "Phone interview",
    "stage_assessment": "Assessment",
    "stage_interview": "Interview",
    "stage_offer": "Job offer",
    "stage_hired": "Hired",
    "stage_discard_by_employer": "Rejection",
    "stage_discard_by_applicant": "Withdrawn by the applicant",
    "stage_fallback_note": (
        "An hh.ru status without a row of its own takes its stage like this: other refusals "
        "(such as «Вакансия закрыта») from the «Rejection» row, other responses from "
        "«Responses», invitations from «Invitations (other states)», and then moving into such a "
        "status leaves the stage as it is. The card's «Статус hh.ru» field always shows hh.ru's "
        "name of the status."
    ),
    "required_title": "Required fields the app does not fill",
    "required_fails": (
        "While these fields are required, leads and deals will not be created. You can save "
        "anyway: no response is lost, and they are created once the field is no longer required."
    ),
    "required_sometimes": "filled only when the applicant's resume has it",
    "save": "Save",
    "saving": "Saving…",
    "saved": "Settings saved.",
    "loading": "Loading the portal's data…",
    "read_only_note": "Only a portal administrator can change the settings.",
    "progress_title": "Importing responses",
    "progress_done": "Import finished",
    "progress_loaded": "Responses loaded",
    "progress_imported_lead": "Leads imported",
    "progress_imported_deal": "Deals imported",
    "progress_failed": "Waiting for a retry",
    "progress_pending": "Queued",
    "progress_errors": "Errors",
    "progress_reason_required_field": "A required field is empty: {fields}",
    "progress_reason_crm_rejected": "Bitrix24 refused the response",
    "progress_reason_bad_payload": "The response's data could not be put into the CRM",
    "progress_reason_unknown": "Another error: see the «Log» tab for details",
    "required_of_contact": "Contact",
    "responsible_search_hint": "Type a first or last name",
    "portal_unreachable": (
        "The Bitrix24 portal is not answering, so the lists did not load. Reopen the tab a bit "
        "later."
    ),
    "invalid_entity_type": "Choose the entity type: lead or deal.",
    "leads_off": (
        "This Bitrix24 runs simple CRM mode, which has no leads: responses will be created as "
        "deals. Leads come back with the classic CRM mode in the CRM settings."
    ),
    "leads_off_refused": (
        "Leads cannot be chosen: this Bitrix24 runs simple CRM mode, which has no leads. "
        "Choose «Deal»."
    ),
    "choose_responsible": "Choose the responsible person.",
    "invalid_responsible_user_id": "No such employee on the portal. Choose the responsible person.",
    "invalid_category_id": "No such pipeline on the portal. Choose a pipeline.",
    "invalid_source_id": "No such source on the portal. Choose a source.",
    "invalid_stage": "No such stage in the chosen pipeline. Choose a stage.",
}
