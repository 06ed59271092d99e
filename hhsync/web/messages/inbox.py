"""Messages of the settings page: Новые отклики (what is not in the CRM yet, «Проверить сейчас»)."""

from __future__ import annotations

from typing import Final

RU: Final[dict[str, str]] = {
    "heading": "Новые отклики",
    "waiting": "Ещё не в CRM",
    "waiting_pending": "ждут первой отправки",
    "waiting_in_flight": "отправлены, ждём ответа Битрикс24",
    "waiting_failed": "не перенесены, будут повторены (причины — во вкладке «Журнал»)",
    "hh_counters": (
        "На hh.ru по открытым вакансиям ({vacancies}): откликов {responses}, приглашений "
        "{invitations}, непрочитанных откликов {unread}"
    ),
    "hh_counters_at": "по данным на",
    "hh_counters_none": "Вакансии hh.ru ещё не прочитаны.",
    "next_pass": "Следующая проверка",
    "next_pass_due": "в ближайшие секунды",
    "next_pass_none": "не запланирована",
    "last_pass": "Последняя проверка",
    "last_pass_none": "ещё не было",
    "run_running": "идёт сейчас",
    "run_ok": "успешно",
    "run_partial": "с ошибками, отклики ждут повтора",
    "run_failed": "не удалась",
    "last_pass_figures": "создано {created}, не перенесено {failed}",
    "check_now": "Проверить сейчас",
    "check_queued": "Проверка запланирована и начнётся в ближайшие секунды.",
    "check_already_queued": "Проверка уже запланирована и начнётся в ближайшие секунды.",
    "check_running": "Проверка уже идёт",
    "check_done": "Проверка завершена.",
    "not_configured": "Проверка начнётся после первого сохранения настроек.",
    "leads_off": (
        "Отклики ждут: в Битрикс24 включён простой режим CRM, лидов в нём нет. Выберите "
        "«Сделка» во вкладке «Настройки», и отклики будут созданы сделками."
    ),
    "paused": "Синхронизация приостановлена: {reason}",
    "needs_reauth": (
        "Синхронизация остановлена: приложению нужна повторная авторизация. Администратору "
        "портала — открыть приложение."
    ),
    "uninstalled": "Приложение удалено с портала.",
    "no_reason": "причина не указана",
    "read_only": "Запускать проверку может только администратор портала.",
    "deep_gap": (
        "Вакансия «{name}» (№ {vacancy_id} на hh.ru): hh.ru не отдаёт часть откликов, "
        "не прочитано: {missing}. Список глубже {depth}, а фильтры hh.ru не делят его мельче. "
        "Эти отклики не попадут в CRM; они видны на сайте hh.ru."
    ),
}

EN: Final[dict[str, str]] = {
    "heading": "New responses",
    "waiting": "Not in the CRM yet",
    "waiting_pending": "waiting to be sent",
    "waiting_in_flight": "sent, waiting for Bitrix24's answer",
    "waiting_failed": "not transferred, will be retried (reasons are in the Log tab)",
    "hh_counters": (
        "On hh.ru, open vacancies ({vacancies}): {responses} responses, {invitations} "
        "invitations, {unread} unread responses"
    ),
    "hh_counters_at": "as of",
    "hh_counters_none": "The hh.ru vacancies have not been read yet.",
    "next_pass": "Next check",
    "next_pass_due": "in a few seconds",
    "next_pass_none": "not scheduled",
    "last_pass": "Last check",
    "last_pass_none": "none yet",
    "run_running": "running now",
    "run_ok": "succeeded",
    "run_partial": "with errors, responses wait for a retry",
    "run_failed": "failed",
    "last_pass_figures": "{created} created, {failed} not transferred",
    "check_now": "Check now",
    "check_queued": "A check is scheduled and starts in a few seconds.",
    "check_already_queued": "A check is already scheduled and starts in a few seconds.",
    "check_running": "A check is already running",
    "check_done": "The check has finished.",
    "not_configured": "Checks start after the settings are saved for the first time.",
    "leads_off": (
        "Responses are waiting: Bitrix24 runs simple CRM mode, which has no leads. Choose "
        "«Deal» on the «Settings» tab and the responses will be created as deals."
    ),
    "paused": "Syncing is paused: {reason}",
    "needs_reauth": (
        "Syncing has stopped: the app needs to be authorised again. A portal administrator "
        "should open the app."
    ),
    "uninstalled": "The app has been removed from the portal.",
    "no_reason": "no reason given",
    "read_only": "Only a portal administrator can start a check.",
    "deep_gap": (
        "Vacancy «{name}» (no. {vacancy_id} on hh.ru): hh.ru does not hand over some of its "
        "responses, {missing} not read. The list is deeper than {depth} and hh.ru's filters "
        "cannot split it finer. These responses will not reach the CRM; they can be seen on "
        "the hh.ru website."
    ),
}
