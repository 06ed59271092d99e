"""Messages of the hh.ru login popup's result page (the callback hh.ru sends the popup back to)."""

from __future__ import annotations

from typing import Final

RU: Final[dict[str, str]] = {
    "linked_title": "Аккаунт hh.ru подключён",
    "linked_account": "Подключён аккаунт: {account}.",
    "not_admin_warning": (
        "Вы вошли как менеджер без прав администратора компании на hh.ru: синхронизируются только "
        "ваши вакансии."
    ),
    "window_closes": "Окно закроется само через несколько секунд.",
    "window_close": "Закрыть",
    "cancelled_title": "Вход отменён",
    "cancelled": "Вы не дали доступ к hh.ru, аккаунт не подключён.",
    "failed_title": "Не удалось войти",
    "link_invalid": (
        "Ссылка входа устарела, уже использована или повреждена. Закройте окно и нажмите «Войти» "
        "ещё раз."
    ),
    "bad_request": "Неверный запрос. Закройте окно и нажмите «Войти» ещё раз.",
    "hh_error": "hh.ru вернул ошибку входа. Закройте окно и нажмите «Войти» ещё раз.",
    "code_refused": (
        "hh.ru не принял код входа: он устарел или уже использован. Нажмите «Войти» ещё раз."
    ),
    "applicant_title": "Нужен аккаунт работодателя",
    "applicant": (
        "Вы вошли на hh.ru как соискатель. Войдите под аккаунтом работодателя (менеджера компании)."
    ),
    "hh_unavailable": "hh.ru сейчас не отвечает. Попробуйте войти чуть позже.",
    "misconfigured": (
        "Приложение hh.ru в hhsync настроено неверно (client_id или client_secret). Сообщите "
        "администратору hhsync."
    ),
}

EN: Final[dict[str, str]] = {
    "linked_title": "hh.ru account connected",
    "linked_account": "Connected account: {account}.",
    "not_admin_warning": (
        "You logged in as a manager without the company's administrator rights on hh.ru: only "
        "your own vacancies are synced."
    ),
    "window_closes": "This window closes by itself in a few seconds.",
    "window_close": "Close",
    "cancelled_title": "Login cancelled",
    "cancelled": "You did not grant access to hh.ru; no account was connected.",
    "failed_title": "Could not log in",
    "link_invalid": (
        "The login link has expired, was already used or is damaged. Close this window and press "
        "«Log in» again."
    ),
    "bad_request": "Bad request. Close this window and press «Log in» again.",
    "hh_error": "hh.ru returned a login error. Close this window and press «Log in» again.",
    "code_refused": (
        "hh.ru did not accept the login code: it expired or was already used. Press «Log in» again."
    ),
    "applicant_title": "An employer account is needed",
    "applicant": (
        "You logged in to hh.ru as a job seeker. Log in with an employer's (company manager's) "
        "account."
    ),
    "hh_unavailable": "hh.ru is not answering right now. Try logging in a little later.",
    "misconfigured": (
        "hhsync's hh.ru application is misconfigured (client_id or client_secret). Tell the "
        "hhsync administrator."
    ),
}
