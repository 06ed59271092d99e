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

HH_ACCOUNTS_TITLE = "Аккаунты hh.ru"
HH_ACCOUNTS_EMPTY = "Ни один аккаунт hh.ru не подключён."
HH_LOGIN = "Войти"
HH_LOGOUT = "Выйти"
HH_ACCOUNT_NEEDS_REAUTH = "Доступ к hh.ru потерян: войдите снова"
HH_ACCOUNT_OWN_VACANCIES_ONLY = "Синхронизируются только вакансии этого менеджера"
HH_ADMIN_ONLY = "Подключать и отключать аккаунты hh.ru может только администратор Битрикс24."

HH_SYNC_ACTIVE = "Синхронизация активна"
HH_SYNC_ACTIVE_ACCOUNT = "Подключён аккаунт: {account}."
HH_NOT_ADMIN_WARNING = (
    "Вы вошли как менеджер без прав администратора компании на hh.ru: синхронизируются только "
    "ваши вакансии."
)
HH_WINDOW_CLOSES = "Окно закроется само."
HH_LOGIN_CANCELLED_TITLE = "Вход отменён"
HH_LOGIN_CANCELLED = "Вы не дали доступ к hh.ru, аккаунт не подключён."
HH_LOGIN_FAILED_TITLE = "Не удалось войти"
HH_LOGIN_LINK_INVALID = (
    "Ссылка входа устарела, уже использована или повреждена. Закройте окно и нажмите «Войти» "
    "ещё раз."
)
HH_LOGIN_BAD_REQUEST = "Неверный запрос. Закройте окно и нажмите «Войти» ещё раз."
HH_LOGIN_HH_ERROR = "hh.ru вернул ошибку входа. Закройте окно и нажмите «Войти» ещё раз."
HH_LOGIN_CODE_REFUSED = (
    "hh.ru не принял код входа: он устарел или уже использован. Нажмите «Войти» ещё раз."
)
HH_LOGIN_APPLICANT_TITLE = "Нужен аккаунт работодателя"
HH_LOGIN_APPLICANT = (
    "Вы вошли на hh.ru как соискатель. Войдите под аккаунтом работодателя (менеджера компании)."
)
HH_LOGIN_HH_UNAVAILABLE = "hh.ru сейчас не отвечает. Попробуйте войти чуть позже."
HH_LOGIN_MISCONFIGURED = (
    "Приложение hh.ru в hhsync настроено неверно (client_id или client_secret). Сообщите "
    "администратору hhsync."
)

HH_API_NO_SESSION = "Сессия приложения недействительна или истекла: откройте приложение заново."
HH_API_ADMIN_ONLY = HH_ADMIN_ONLY
HH_API_ACCOUNT_NOT_FOUND = "Такого аккаунта hh.ru у этого портала нет."
HH_API_TOO_MANY_LOGINS = "Слишком много начатых входов: завершите открытый или подождите 10 минут."
HH_API_NOT_CONFIGURED = HH_LOGIN_MISCONFIGURED
HH_API_LOGOUT_HH_DOWN = "hh.ru не ответил, выход не выполнен: попробуйте ещё раз."
HH_API_LOGOUT_RACE = "Аккаунт как раз обновлял доступ к hh.ru: нажмите «Выйти» ещё раз."

HH_LOGIN_JS_TEXTS = {
    "login": HH_LOGIN,
    "logout": HH_LOGOUT,
    "empty": HH_ACCOUNTS_EMPTY,
    "needsReauth": HH_ACCOUNT_NEEDS_REAUTH,
    "ownVacanciesOnly": HH_ACCOUNT_OWN_VACANCIES_ONLY,
    "confirmLogout": "Отключить аккаунт {account}? Его отклики перестанут синхронизироваться.",
    "popupBlocked": "Браузер не открыл окно входа: разрешите всплывающие окна для этого сайта.",
    "requestFailed": "Не удалось выполнить запрос. Попробуйте ещё раз.",
    "loggedIn": HH_SYNC_ACTIVE,
    "loggedOut": "Аккаунт отключён.",
}
"""The words ``static/hh_login.js`` shows, handed to it as JSON by ``hh_accounts.html``."""
