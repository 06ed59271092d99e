"""Messages of the settings page: Журнал (synced and failed responses, why, «Повторить»).

``reason_<code>`` is the plain text of each failure code of :mod:`hhsync.web.app_api.reasons`
(a test walks the codes); ``stage_<stage>`` says what was being done when it happened.
"""

from __future__ import annotations

from typing import Final

RU: Final[dict[str, str]] = {
    "heading": "Журнал",
    "filter_all": "Все",
    "filter_synced": "Перенесённые",
    "filter_failed": "С ошибками",
    "filter_deleted": "Удалённые в CRM",
    "col_when": "Когда",
    "col_applicant": "Соискатель",
    "col_vacancy": "Вакансия",
    "col_result": "Результат",
    "col_entity": "В CRM",
    "status_synced": "В CRM",
    "status_failed": "Ошибка",
    "status_crm_deleted": "Удалён в CRM",
    "entity_deleted": "{entity} (удалён)",
    "note_crm_deleted": (
        "Лид или сделку удалили в Битрикс24 вручную. Приложение не создаёт их заново и больше не "
        "обновляет; новый отклик этого соискателя будет перенесён как обычно."
    ),
    "kind_response": "Отклик",
    "kind_invitation": "Приглашение",
    "entity_lead": "Лид №{id}",
    "entity_deal": "Сделка №{id}",
    "no_entity": "—",
    "no_name": "Имя не получено",
    "attempts": "попыток: {attempts}",
    "next_retry": "следующая попытка",
    "retry": "Повторить",
    "retry_all": "Повторить все",
    "retried": "Отклик будет отправлен снова при ближайшей проверке.",
    "retried_all": "Откликов к повтору: {count}. Они будут отправлены при ближайшей проверке.",
    "retried_none": "Нет откликов с ошибками.",
    "not_failed": "Этот отклик не в ошибке: повторять нечего.",
    "empty": "Пока ничего не перенесено.",
    "more": "Показать ещё",
    "bad_status": "Неизвестный фильтр журнала.",
    "bad_cursor": "Неверная позиция в журнале. Обновите страницу.",
    "bad_limit": "Размер страницы журнала: от 1 до {max}.",
    "read_only": "Повторять отправку может только администратор портала.",
    "stage_activity": "Лид или сделка созданы, но дело в таймлайн не добавлено: {reason}",
    "stage_lookup": "Не удалось проверить, есть ли отклик в CRM: {reason}",
    "reason_required_field": (
        "Битрикс24 не принял отклик: не заполнено обязательное поле {fields}. Сделайте поле "
        "необязательным или задайте ему значение по умолчанию в настройках CRM и нажмите "
        "«Повторить»."
    ),
    "fields_of_contact": "контакта {fields}",
    "reason_crm_rejected": "Битрикс24 не принял отклик: {detail}",
    "reason_crm_not_executed": (
        "Не отправлено: Битрикс24 отклонил связанную запись (контакт или лид) в том же запросе."
    ),
    "reason_crm_not_found": "Запись в CRM не найдена: её удалили в Битрикс24.",
    "reason_crm_rate_limit": (
        "Битрикс24 временно ограничил частоту запросов. Отклик будет отправлен автоматически."
    ),
    "reason_crm_time_limit": (
        "Битрикс24 временно ограничил время работы метода. Отклик будет отправлен автоматически."
    ),
    "reason_crm_unavailable": (
        "Битрикс24 не ответил или ответил ошибкой сервера. Отклик будет отправлен автоматически."
    ),
    "reason_crm_outcome_unknown": (
        "Ответ Битрикс24 не получен. Перед повтором приложение проверит, не создана ли запись."
    ),
    "reason_crm_send_window": (
        "Запрос не успел уйти в Битрикс24 из-за ограничений портала. Отклик будет отправлен "
        "автоматически."
    ),
    "reason_crm_token": (
        "Битрикс24 не принял авторизацию приложения. Администратору портала — открыть приложение."
    ),
    "reason_crm_portal_gone": "Портал Битрикс24 недоступен приложению (перемещён или удалён).",
    "reason_crm_app_uninstalled": "Приложение удалено с портала Битрикс24.",
    "reason_crm_payment_required": "Подписка на приложение в Битрикс24 закончилась.",
    "reason_crm_portal_blocked": (
        "Техподдержка Битрикс24 заблокировала REST API портала из-за перегрузки. Отклик сохранён "
        "и будет отправлен после снятия блокировки."
    ),
    "reason_crm_method_confirm": (
        "Метод Битрикс24 ждёт подтверждения администратора портала. Отклик будет отправлен "
        "после подтверждения."
    ),
    "reason_crm_wrong_auth": (
        "Битрикс24 требует другой способ авторизации для метода: ошибка настройки приложения. "
        "Отклик сохранён; сообщите администратору сервиса hhsync."
    ),
    "reason_crm_permission": (
        "У приложения нет прав на запись в CRM. Администратору портала — переустановить "
        "приложение с доступом к CRM."
    ),
    "reason_crm_protocol": "Битрикс24 не понял запрос приложения. Сообщите в поддержку.",
    "reason_hh_view_limit": (
        "На hh.ru закончился дневной лимит просмотров резюме. Контакты загрузятся после его "
        "обновления."
    ),
    "reason_hh_view_quota": (
        "На hh.ru закончилась квота просмотров резюме, которую компания задала менеджеру. "
        "Отклики загрузятся после полуночи по Москве или когда администратор компании увеличит "
        "квоту."
    ),
    "reason_hh_token": "hh.ru не принял авторизацию аккаунта. Войдите в hh.ru заново.",
    "reason_hh_app_credentials": "hh.ru не принял ключи приложения. Сообщите в поддержку.",
    "reason_hh_forbidden": "hh.ru запретил доступ к резюме или отклику.",
    "reason_hh_captcha": "hh.ru просит пройти капчу: откройте hh.ru в браузере.",
    "reason_hh_not_found": "Резюме или отклик не найдены на hh.ru (удалены или скрыты).",
    "reason_hh_rate_limit": "hh.ru временно ограничил частоту запросов. Отклик будет повторён.",
    "reason_hh_unavailable": "hh.ru не ответил или ответил ошибкой сервера. Отклик будет повторён.",
    "reason_hh_bad_request": "hh.ru отклонил запрос приложения. Сообщите в поддержку.",
    "reason_hh_bad_payload": "hh.ru прислал данные, которые не удалось прочитать.",
    "reason_hh_pdf_too_large": "PDF резюме на hh.ru слишком большой для загрузки.",
    "reason_hh_error": "hh.ru ответил ошибкой при загрузке резюме.",
    "reason_bad_payload": "Данные отклика не удалось перенести в CRM: {detail}",
    "reason_unknown": "Отклик не перенесён. Ответ сервиса: {detail}",
}

EN: Final[dict[str, str]] = {
    "heading": "Log",
    "filter_all": "All",
    "filter_synced": "Transferred",
    "filter_failed": "With errors",
    "filter_deleted": "Deleted in the CRM",
    "col_when": "When",
    "col_applicant": "Applicant",
    "col_vacancy": "Vacancy",
    "col_result": "Result",
    "col_entity": "In the CRM",
    "status_synced": "In the CRM",
    "status_failed": "Error",
    "status_crm_deleted": "Deleted in the CRM",
    "entity_deleted": "{entity} (deleted)",
    "note_crm_deleted": (
        "The lead or deal was deleted in Bitrix24 by hand. The app does not create it again and "
        "updates it no more; a new response of this applicant is synced as usual."
    ),
    "kind_response": "Response",
    "kind_invitation": "Invitation",
    "entity_lead": "Lead #{id}",
    "entity_deal": "Deal #{id}",
    "no_entity": "—",
    "no_name": "Name not received",
    "attempts": "attempts: {attempts}",
    "next_retry": "next attempt",
    "retry": "Retry",
    "retry_all": "Retry all",
    "retried": "The response will be sent again at the next check.",
    "retried_all": "Responses to retry: {count}. They will be sent at the next check.",
    "retried_none": "No responses with errors.",
    "not_failed": "This response has no error: nothing to retry.",
    "empty": "Nothing has been transferred yet.",
    "more": "Show more",
    "bad_status": "Unknown log filter.",
    "bad_cursor": "Invalid position in the log. Reload the page.",
    "bad_limit": "A log page holds 1 to {max} rows.",
    "read_only": "Only a portal administrator can retry sending.",
    "stage_activity": (
        "The lead or deal was created, but the timeline activity was not added: {reason}"
    ),
    "stage_lookup": "Could not check whether the response is in the CRM: {reason}",
    "reason_required_field": (
        "Bitrix24 refused the response: the required field {fields} is empty. Make the field "
        "optional or give it a default value in the CRM settings, then press «Retry»."
    ),
    "fields_of_contact": "{fields} of the contact",
    "reason_crm_rejected": "Bitrix24 refused the response: {detail}",
    "reason_crm_not_executed": (
        "Not sent: Bitrix24 refused a linked record (contact or lead) in the same request."
    ),
    "reason_crm_not_found": "The CRM record was not found: it was deleted in Bitrix24.",
    "reason_crm_rate_limit": (
        "Bitrix24 limited the request rate for a while. The response will be sent automatically."
    ),
    "reason_crm_time_limit": (
        "Bitrix24 limited the method's running time for a while. The response will be sent "
        "automatically."
    ),
    "reason_crm_unavailable": (
        "Bitrix24 did not answer or answered with a server error. The response will be sent "
        "automatically."
    ),
    "reason_crm_outcome_unknown": (
        "No answer came from Bitrix24. Before retrying, the app checks whether the record exists."
    ),
    "reason_crm_send_window": (
        "The request could not leave for Bitrix24 in time because of the portal's limits. The "
        "response will be sent automatically."
    ),
    "reason_crm_token": (
        "Bitrix24 refused the app's authorisation. A portal administrator should open the app."
    ),
    "reason_crm_portal_gone": "The Bitrix24 portal is not available to the app (moved or deleted).",
    "reason_crm_app_uninstalled": "The app has been removed from the Bitrix24 portal.",
    "reason_crm_payment_required": "The app's subscription in Bitrix24 has ended.",
    "reason_crm_portal_blocked": (
        "Bitrix24 support blocked the portal's REST API after an overload. The response is kept "
        "and will be sent once the block is lifted."
    ),
    "reason_crm_method_confirm": (
        "A Bitrix24 method waits for the portal administrator's confirmation. The response will "
        "be sent once it is confirmed."
    ),
    "reason_crm_wrong_auth": (
        "Bitrix24 wants another kind of authorisation for the method: a setup error of the app. "
        "The response is kept; tell the hhsync service's administrator."
    ),
    "reason_crm_permission": (
        "The app may not write to the CRM. A portal administrator should reinstall the app with "
        "CRM access."
    ),
    "reason_crm_protocol": "Bitrix24 did not understand the app's request. Contact support.",
    "reason_hh_view_limit": (
        "The daily hh.ru resume-view limit is spent. Contacts load after it resets."
    ),
    "reason_hh_view_quota": (
        "The hh.ru resume-view quota the company set for this manager is spent. Responses load "
        "after midnight Moscow time or once the company admin raises the quota."
    ),
    "reason_hh_token": "hh.ru refused the account's authorisation. Log in to hh.ru again.",
    "reason_hh_app_credentials": "hh.ru refused the app's keys. Contact support.",
    "reason_hh_forbidden": "hh.ru denied access to the resume or response.",
    "reason_hh_captcha": "hh.ru asks for a captcha: open hh.ru in a browser.",
    "reason_hh_not_found": "The resume or response was not found on hh.ru (deleted or hidden).",
    "reason_hh_rate_limit": "hh.ru limited the request rate for a while. It will be retried.",
    "reason_hh_unavailable": (
        "hh.ru did not answer or answered with a server error. It will be retried."
    ),
    "reason_hh_bad_request": "hh.ru refused the app's request. Contact support.",
    "reason_hh_bad_payload": "hh.ru sent data that could not be read.",
    "reason_hh_pdf_too_large": "The resume PDF on hh.ru is too large to download.",
    "reason_hh_error": "hh.ru answered with an error while loading the resume.",
    "reason_bad_payload": "The response's data could not be put into the CRM: {detail}",
    "reason_unknown": "The response was not transferred. The service said: {detail}",
}
