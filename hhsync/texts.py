"""The words hhsync shows HR people, in Russian first: the official app's labels, which they know.

Only what the code shows today lives here; the settings page's catalogue (Russian, and English
when the portal's language is not Russian) grows from it.
"""

from __future__ import annotations

from hhsync.model.import_progress import ImportProgress
from hhsync.model.kinds import EntityType


def import_progress_labels(progress: ImportProgress, entity_type: EntityType) -> dict[str, int]:
    """The import's counters under the labels the settings page shows."""
    entities = "Лидов" if entity_type == EntityType.LEAD else "Сделок"
    return {
        "Откликов загружено": progress.loaded,
        f"{entities} импортировано": progress.imported,
        "Ожидают повтора": progress.failed,
        "В очереди": progress.pending,
    }


# --- hh.ru accounts on the app page and the hh.ru login popup ---------------------------------

HH_ADMIN_ONLY = "Подключать и отключать аккаунты hh.ru может только администратор портала."


HH_API_NO_SESSION = "Сессия приложения недействительна или истекла: откройте приложение заново."
HH_API_ADMIN_ONLY = HH_ADMIN_ONLY
HH_API_PORTAL_UNINSTALLED = "Вход невозможен: приложение удалено с портала, установите его заново."
HH_API_ACCOUNT_NOT_FOUND = "Такого аккаунта hh.ru у этого портала нет."
HH_API_TOO_MANY_LOGINS = "Слишком много начатых входов: завершите открытый или подождите 10 минут."
HH_API_NOT_CONFIGURED = (
    "Приложение hh.ru в hhsync настроено неверно (client_id или client_secret). Сообщите "
    "администратору hhsync."
)
HH_API_LOGOUT_HH_DOWN = "hh.ru не ответил, выход не выполнен: попробуйте ещё раз."
HH_API_LOGOUT_RACE = "Аккаунт как раз обновлял доступ к hh.ru: нажмите «Выйти» ещё раз."


# --- The Bitrix24 app's pages (installer, app page) ----------------------------------------

APP_TITLE = "Отклики hh.ru в CRM"
PLACEMENT_TITLE = "Отклики hh.ru"
PLACEMENT_DESCRIPTION = "Загрузка откликов и приглашений hh.ru в CRM"

READ_ONLY_NOTE = "Менять настройки может только администратор портала."

INSTALL_HEADING = "Установка приложения"
INSTALL_DONE = "Установка завершена. Сейчас откроется приложение."
INSTALL_INCOMPLETE = (
    "Установка не завершена: часть шагов не удалась. Откройте установку ещё раз — то, что уже "
    "сделано, не повторится."
)
INSTALL_FINISH_FAILED = "Битрикс24 не принял завершение установки. Обновите страницу."
INSTALL_STEP_EVENTS = "Уведомления об удалении и обновлении приложения"
INSTALL_STEP_TOOLBARS = "Кнопки в списках лидов и сделок"
INSTALL_STEP_FIELDS = "Поля hh.ru в лидах и сделках"


def install_step_result(added: list[str], present: list[str], error: str | None) -> str:
    """One installer step in words: what it added, what was there, why it failed."""
    if error is not None:
        return f"не удалось ({error})"
    if added:
        return f"добавлено: {len(added)}"
    if present:
        return "уже было настроено"
    return "ничего не требовалось"


DOOR_REFUSED_HEADING = "Не удалось открыть приложение"
DOOR_REFUSAL_DEFAULT = "Запрос не принят. Откройте приложение из Битрикс24 ещё раз."
DOOR_REFUSALS = {
    "unsupported_media_type": "Запрос не похож на открытие приложения из Битрикс24.",
    "malformed_body": "Запрос не удалось прочитать. Откройте приложение из Битрикс24 ещё раз.",
    "server_not_allowed": (
        "Сервер авторизации Битрикс24 из запроса не входит в разрешённые "
        "(настройка bitrix.oauth_servers). Сообщите администратору hhsync."
    ),
    "token_refused": "Битрикс24 не подтвердил вход. Откройте приложение ещё раз.",
    "token_mismatch": "Вход относится к другому порталу или другому приложению.",
    "application_token_mismatch": "Портал не подтвердил запрос. Откройте приложение ещё раз.",
    "app_not_installed": "Приложение не установлено на этом портале.",
    "not_admin": "Установить приложение может только администратор портала.",
    "oauth_unavailable": "Сервер авторизации Битрикс24 не отвечает. Попробуйте через минуту.",
    "portal_unavailable": "Портал Битрикс24 не отвечает. Попробуйте через минуту.",
    "storage_unavailable": "Сервис временно недоступен. Попробуйте через минуту.",
    "token_race": "Портал как раз обновлял доступ. Откройте приложение ещё раз.",
}
