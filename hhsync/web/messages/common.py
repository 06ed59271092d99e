"""Messages the whole settings page shares: its title and the four tabs."""

from __future__ import annotations

from typing import Final

RU: Final[dict[str, str]] = {
    "app_title": "Интеграция с hh.ru",
    "tab_auth": "Авторизация",
    "tab_settings": "Настройки",
    "tab_inbox": "Новые отклики",
    "tab_journal": "Журнал",
    "read_only": "Менять настройки может только администратор портала.",
    "no_session": "Сессия устарела. Откройте приложение заново.",
    "admin_only": "Это может сделать только администратор портала.",
    "storage_unavailable": "Сервис временно недоступен. Попробуйте позже.",
    "not_found": "Не найдено.",
    "bad_request": "Неверный запрос.",
    "not_installed": (
        "Приложение ещё не установлено на этом портале до конца. Администратору портала нужно "
        "открыть его один раз."
    ),
    "repaired": "Приложение подключено к порталу заново.",
    "repair_incomplete": (
        "Приложение подключено к порталу, но не всё удалось настроить: откройте его ещё раз позже."
    ),
}

EN: Final[dict[str, str]] = {
    "app_title": "hh.ru integration",
    "tab_auth": "Authorization",
    "tab_settings": "Settings",
    "tab_inbox": "New responses",
    "tab_journal": "Log",
    "read_only": "Only a portal administrator can change the settings.",
    "no_session": "The session has expired. Open the app again.",
    "admin_only": "Only a portal administrator can do this.",
    "storage_unavailable": "The service is temporarily unavailable. Try again later.",
    "not_found": "Not found.",
    "bad_request": "Bad request.",
    "not_installed": (
        "The app is not fully installed on this portal yet. A portal administrator needs to open "
        "it once."
    ),
    "repaired": "The app is connected to the portal again.",
    "repair_incomplete": (
        "The app is connected to the portal, but not everything could be set up: open it again "
        "later."
    ),
}
