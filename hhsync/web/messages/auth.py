"""Messages of the settings page: the «Авторизация» tab (status, hh.ru accounts, banners)."""

from __future__ import annotations

from typing import Final

RU: Final[dict[str, str]] = {
    # the status card
    "status_heading": "Синхронизация",
    "status_label": "Состояние",
    "last_sync": "Последняя синхронизация",
    "no_sync_yet": "ещё не было",
    "synced_count": "Загружено в CRM",
    "failed_count": "Ожидают повтора",
    "queued_count": "В очереди",
    "portal_status_active": "Работает",
    "portal_status_paused": "Приостановлено",
    "portal_status_needs_reauth": "Нет связи с Битрикс24",
    "portal_status_uninstalled": "Приложение удалено с портала",
    "run_status_running": "идёт сейчас",
    "run_status_ok": "успешно",
    "run_status_partial": "с ошибками, отклики ждут повтора",
    "run_status_failed": "не удалась",
    # whether anything is being synced, and what is missing
    "sync_active": "Синхронизация активна",
    "sync_needs_account": (
        "Нажмите «Войти» и подключите аккаунт hh.ru: тогда начнут загружаться отклики."
    ),
    "sync_needs_account_reader": (
        "Аккаунт hh.ru не подключён: подключить его может администратор портала."
    ),
    "sync_needs_relogin": "Войдите в hh.ru снова: ни один аккаунт сейчас не синхронизируется.",
    "sync_needs_settings": "Выберите настройки на вкладке «Настройки».",
    "sync_leads_off": (
        "Отклики ждут: в Битрикс24 простой режим CRM без лидов. Выберите «Сделка» на вкладке "
        "«Настройки»."
    ),
    "sync_portal_stopped": "Синхронизация остановлена: причина указана выше.",
    # the hh.ru accounts
    "accounts_title": "Аккаунты hh.ru",
    "accounts_empty": "Ни один аккаунт hh.ru не подключён.",
    "login": "Войти",
    "add_account": "Добавить аккаунт",
    "logout": "Выйти",
    "account_needs_reauth": "Доступ к hh.ru потерян: войдите снова",
    "account_own_vacancies_only": "Синхронизируются только вакансии этого менеджера",
    "admin_only": "Подключать и отключать аккаунты hh.ru может только администратор портала.",
    "confirm_logout": "Отключить аккаунт {account}? Нажмите «Выйти» ещё раз, чтобы подтвердить.",
    "popup_blocked": "Браузер не открыл окно входа: разрешите всплывающие окна для этого сайта.",
    "request_failed": "Не удалось выполнить запрос. Попробуйте ещё раз.",
    "logged_in": "Аккаунт hh.ru подключён.",
    "logged_out": "Аккаунт отключён.",
    # banners
    "reauth_title": "Нужно войти в hh.ru снова",
    "reauth_text": (
        "hh.ru больше не принимает вход аккаунта (например, сменился пароль или доступ отозван): "
        "его отклики не загружаются. Войдите под тем же аккаунтом — синхронизация продолжится "
        "с того места, где остановилась."
    ),
    "reauth_text_reader": (
        "hh.ru больше не принимает вход аккаунта (например, сменился пароль): его отклики не "
        "загружаются. Попросите администратора портала войти в hh.ru снова."
    ),
    "reauth_button": "Войти снова",
    "portal_reauth_title": "Нет связи с Битрикс24",
    "portal_reauth_text_admin": (
        "Битрикс24 больше не принимает ключи доступа приложения, поэтому отклики не попадают "
        "в CRM. Откройте приложение заново — открытие администратором восстанавливает связь. "
        "Если не поможет, переустановите приложение."
    ),
    "portal_reauth_text": (
        "Битрикс24 больше не принимает ключи доступа приложения, поэтому отклики не попадают "
        "в CRM. Попросите администратора портала открыть это приложение — это восстановит связь. "
        "Если не поможет, приложение нужно переустановить."
    ),
    "portal_reopen": "Открыть заново",
    "portal_paused_title": "Синхронизация приостановлена",
    "portal_paused_payment": (
        "Подписка портала на приложение закончилась. Оплатите её в Битрикс24 Маркете — "
        "после оплаты синхронизация возобновится."
    ),
    "portal_paused_operator": "Синхронизацию приостановил администратор сервиса hhsync.",
    "portal_paused_reason": "Причина: {reason}",
    "portal_blocked_title": "Битрикс24 заблокировал REST API портала",
    "portal_blocked_text": (
        "Техподдержка Битрикс24 вручную заблокировала REST API портала из-за перегрузки. "
        "Отклики сохранены; hhsync проверяет раз в несколько минут (реже, пока блокировка "
        "держится) и перенесёт их после снятия. Снять блокировку может только техподдержка "
        "Битрикс24."
    ),
    "portal_confirm_title": "Метод ждёт подтверждения администратора",
    "portal_confirm_text": (
        "Битрикс24 ждёт, пока администратор портала подтвердит вызов метода приложением "
        "(уведомление в Битрикс24). После подтверждения синхронизация продолжится сама; "
        "отклики сохранены."
    ),
    "portal_wrong_auth_title": "Ошибка настройки приложения",
    "portal_wrong_auth_text": (
        "Битрикс24 отвечает, что метод вызван не с той авторизацией (нужен контекст "
        "приложения). Повтор не поможет; отклики сохранены. Сообщите администратору сервиса "
        "hhsync."
    ),
    "portal_uninstalled_title": "Приложение удалено с портала",
    "portal_uninstalled_text": (
        "Синхронизация не работает, пока администратор портала не установит приложение заново."
    ),
}

EN: Final[dict[str, str]] = {
    "status_heading": "Sync",
    "status_label": "State",
    "last_sync": "Last sync",
    "no_sync_yet": "not yet",
    "synced_count": "In the CRM",
    "failed_count": "Waiting for a retry",
    "queued_count": "Queued",
    "portal_status_active": "Running",
    "portal_status_paused": "Paused",
    "portal_status_needs_reauth": "Disconnected from Bitrix24",
    "portal_status_uninstalled": "The app was removed from the portal",
    "run_status_running": "running now",
    "run_status_ok": "succeeded",
    "run_status_partial": "with errors, responses wait for a retry",
    "run_status_failed": "failed",
    "sync_active": "Sync is active",
    "sync_needs_account": (
        "Press “Log in” and link an hh.ru account: then responses start arriving."
    ),
    "sync_needs_account_reader": (
        "No hh.ru account is linked: a portal administrator can link one."
    ),
    "sync_needs_relogin": "Log in to hh.ru again: no account is being synced right now.",
    "sync_needs_settings": "Choose the settings on the “Settings” tab.",
    "sync_leads_off": (
        "Responses are waiting: Bitrix24 runs simple CRM mode, which has no leads. Choose "
        "“Deal” on the “Settings” tab."
    ),
    "sync_portal_stopped": "Sync is stopped: the reason is shown above.",
    "accounts_title": "hh.ru accounts",
    "accounts_empty": "No hh.ru account is linked.",
    "login": "Log in",
    "add_account": "Add an account",
    "logout": "Log out",
    "account_needs_reauth": "hh.ru access lost: log in again",
    "account_own_vacancies_only": "Only this manager's vacancies are synced",
    "admin_only": "Only a portal administrator can link and unlink hh.ru accounts.",
    "confirm_logout": "Unlink the account {account}? Press “Log out” again to confirm.",
    "popup_blocked": "The browser did not open the login window: allow pop-ups for this site.",
    "request_failed": "The request failed. Try again.",
    "logged_in": "The hh.ru account is linked.",
    "logged_out": "The account is unlinked.",
    "reauth_title": "Log in to hh.ru again",
    "reauth_text": (
        "hh.ru no longer accepts an account's login (its password changed or access was "
        "revoked, for example): its responses are not arriving. Log in with the same account and "
        "sync goes on where it stopped."
    ),
    "reauth_text_reader": (
        "hh.ru no longer accepts an account's login (its password changed, for example): its "
        "responses are not arriving. Ask a portal administrator to log in to hh.ru again."
    ),
    "reauth_button": "Log in again",
    "portal_reauth_title": "Disconnected from Bitrix24",
    "portal_reauth_text_admin": (
        "Bitrix24 no longer accepts the app's access keys, so responses do not reach the CRM. "
        "Open the app again: an administrator's open restores the connection. If that does not "
        "help, reinstall the app."
    ),
    "portal_reauth_text": (
        "Bitrix24 no longer accepts the app's access keys, so responses do not reach the CRM. "
        "Ask a portal administrator to open this app: that restores the connection. If it does "
        "not help, the app has to be reinstalled."
    ),
    "portal_reopen": "Open again",
    "portal_paused_title": "Sync is paused",
    "portal_paused_payment": (
        "The portal's subscription to the app has ended. Pay for it in the Bitrix24 Market: "
        "sync resumes after the payment."
    ),
    "portal_paused_operator": "The hhsync service's administrator paused the sync.",
    "portal_paused_reason": "Reason: {reason}",
    "portal_blocked_title": "Bitrix24 blocked the portal's REST API",
    "portal_blocked_text": (
        "Bitrix24 support blocked the portal's REST API by hand after an overload. The "
        "responses are kept; hhsync checks every few minutes (less often while it lasts) and "
        "brings them over once it is lifted. Only Bitrix24 support can lift it."
    ),
    "portal_confirm_title": "A method waits for the administrator's confirmation",
    "portal_confirm_text": (
        "Bitrix24 waits for the portal administrator to confirm the app's call of a method (a "
        "Bitrix24 notification). Sync carries on by itself once confirmed; the responses are "
        "kept."
    ),
    "portal_wrong_auth_title": "The app is set up wrongly",
    "portal_wrong_auth_text": (
        "Bitrix24 answers that a method was called with the wrong kind of authorisation (it "
        "needs the application's context). Retrying will not help; the responses are kept. "
        "Tell the hhsync service's administrator."
    ),
    "portal_uninstalled_title": "The app was removed from the portal",
    "portal_uninstalled_text": (
        "Nothing is synced until a portal administrator installs the app again."
    ),
}
