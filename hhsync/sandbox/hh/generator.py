"""Deterministic demo data for the hh.ru sandbox: the same seed and anchor give the same world.

Faker (ru_RU) supplies names, companies and e-mail addresses; a seeded ``random.Random`` makes
every choice. The mix is chosen to break naive clients: internships, applicants who hide their
name or contacts, applicants who respond to several vacancies, deleted resumes, Cyrillic and odd
names (hyphens, apostrophes, Latin letters, ё), responses and invitations in every state.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from faker import Faker

from hhsync.sandbox.hh.generated_states import add_generated_states
from hhsync.sandbox.hh.site import Applicant, UserKind
from hhsync.sandbox.hh.states import SYSTEM_DISCARD_STATES
from hhsync.sandbox.hh.store import (
    EMPLOYER_STATES,
    Contact,
    Education,
    Employer,
    Experience,
    HhStore,
    Manager,
    Resume,
    Vacancy,
)

AREAS: list[tuple[str, str]] = [
    ("1", "Москва"),
    ("2", "Санкт-Петербург"),
    ("4", "Новосибирск"),
    ("3", "Екатеринбург"),
    ("88", "Казань"),
    ("66", "Нижний Новгород"),
]
POSITIONS = [
    "Менеджер по продажам",
    "Бухгалтер",
    "Python-разработчик",
    "Водитель-экспедитор",
    "Оператор call-центра",
    "Администратор",
    "Кладовщик",
    "HR-менеджер",
    "Аналитик данных",
    "Инженер-сметчик",
    "Курьер",
    "Секретарь",
]
UNIVERSITIES = [
    ("МГУ имени М.В. Ломоносова, Москва", "Факультет вычислительной математики и кибернетики"),
    ("Санкт-Петербургский государственный университет", "Экономический факультет"),
    ("Уральский федеральный университет, Екатеринбург", "Институт радиоэлектроники"),
    ("Казанский (Приволжский) федеральный университет", "Институт управления"),
    ("Новосибирский государственный университет", "Механико-математический факультет"),
]
EDUCATION_LEVELS = [
    ("higher", "Высшее"),
    ("bachelor", "Бакалавр"),
    ("master", "Магистр"),
    ("special_secondary", "Среднее специальное"),
    ("secondary", "Среднее"),
]
# Names that break naive splitting, encoding or escaping; kept deliberately.
ODD_NAMES: list[tuple[str, str, str | None]] = [
    ("Анна-Мария", "Д'Артаньян", None),
    ("Ёлка", "Щёкина-Сальникова", "Фёдоровна"),
    ("John", "O'Connor", None),
    ("Мухаммад-Али", "Абдурахмангаджиев", "Магомед оглы"),
    ("Ия", "Ли", None),
]


@dataclass(frozen=True)
class GeneratorCounts:
    """How much data to make."""

    employers: int = 2
    managers_per_employer: int = 3
    vacancies_per_employer: int = 6
    applicants: int = 60
    negotiations_per_vacancy: int = 12
    archived_vacancies_per_employer: int = 1


def msk_offset_format(value: datetime) -> str:
    """hh.ru date format: ``2022-05-19T18:14:13+0300`` (Moscow time, no colon in the offset)."""
    msk = value.astimezone(timezone(timedelta(hours=3)))
    return msk.strftime("%Y-%m-%dT%H:%M:%S%z")


def phone_number(rng: random.Random) -> str:
    """A Russian mobile number in hh.ru's display format ``+7 (9xx) xxx-xx-xx``."""
    code = f"9{rng.randint(0, 99):02d}"
    body = f"{rng.randint(0, 999):03d}-{rng.randint(0, 99):02d}-{rng.randint(0, 99):02d}"
    return f"+7 ({code}) {body}"


def generate(seed: int, anchor: datetime, counts: GeneratorCounts | None = None) -> HhStore:
    """Build a populated store; ``anchor`` is "now" (timestamps lie before it)."""
    counts = counts or GeneratorCounts()
    rng = random.Random(seed)
    fake = Faker("ru_RU")
    fake.seed_instance(seed)
    store = HhStore()
    for e_index in range(counts.employers):
        employer = Employer(id=str(1455 + e_index * 1000), name=fake.company())
        store.employers[employer.id] = employer
        managers = _make_managers(store, employer, counts, fake, rng, e_index)
        _make_vacancies(store, employer, managers, counts, rng, anchor, e_index)
    for a_index in range(counts.applicants):
        resume = make_resume(rng, fake, anchor, a_index)
        store.resumes[resume.id] = resume
        register_applicant(store, resume)
    _make_negotiations(store, counts, rng, anchor)
    add_generated_states(store, random.Random(seed * 7_919 + 17))
    return store


def _make_managers(
    store: HhStore,
    employer: Employer,
    counts: GeneratorCounts,
    fake: Faker,
    rng: random.Random,
    e_index: int,
) -> list[Manager]:
    managers: list[Manager] = []
    for m_index in range(counts.managers_per_employer):
        female = rng.random() < 0.6
        area_id, area_name = AREAS[rng.randrange(len(AREAS))]
        manager = Manager(
            id=str(87654321 + e_index * 100 + m_index),
            employer_id=employer.id,
            first_name=fake.first_name_female() if female else fake.first_name_male(),
            last_name=fake.last_name_female() if female else fake.last_name_male(),
            middle_name=fake.middle_name_female() if female else fake.middle_name_male(),
            email=f"hr{e_index}{m_index}@example.com",
            phone=phone_number(rng),
            is_admin=m_index == 0,  # the first manager of each company has admin rights
            user_id=str(54000000 + e_index * 100 + m_index),
            area_id=area_id,
            area_name=area_name,
        )
        store.managers[manager.id] = manager
        store.site.add_login(manager.email, UserKind.EMPLOYER, manager.id)
        managers.append(manager)
    return managers


def _make_vacancies(
    store: HhStore,
    employer: Employer,
    managers: list[Manager],
    counts: GeneratorCounts,
    rng: random.Random,
    anchor: datetime,
    e_index: int,
) -> None:
    total = counts.vacancies_per_employer + counts.archived_vacancies_per_employer
    for v_index in range(total):
        internship = v_index % 4 == 3
        position = POSITIONS[rng.randrange(len(POSITIONS))]
        name = f"Стажёр: {position}" if internship else position
        area_id, area_name = AREAS[rng.randrange(len(AREAS))]
        created = anchor - timedelta(days=rng.randint(20, 60), minutes=rng.randint(0, 1440))
        salary_from = None if internship and rng.random() < 0.5 else rng.randrange(40, 200) * 1000
        vacancy = Vacancy(
            id=str(90000000 + e_index * 1000 + v_index),
            employer_id=employer.id,
            manager_id=managers[v_index % len(managers)].id,
            name=name,
            area_id=area_id,
            area_name=area_name,
            created_at=created,
            published_at=created + timedelta(hours=1),
            expires_at=created + timedelta(days=30),
            views=rng.randint(50, 5000),
            salary_from=salary_from,
            salary_to=None if salary_from is None else salary_from + rng.randrange(0, 80) * 1000,
            internship=internship,
        )
        if v_index >= counts.vacancies_per_employer:
            vacancy.archived_at = anchor - timedelta(days=rng.randint(1, 10))
        store.vacancies[vacancy.id] = vacancy


def register_applicant(store: HhStore, resume: Resume) -> Applicant:
    """The resume's owner as a website user who can log in (``applicant<owner id>@example.com``,
    the demo password)."""
    known = store.site.applicants.get(resume.owner_id)
    if known is not None:
        return known
    applicant = Applicant(
        id=resume.owner_id,
        email=f"applicant{resume.owner_id}@example.com",
        first_name=resume.first_name,
        last_name=resume.last_name,
        middle_name=resume.middle_name,
    )
    store.site.applicants[applicant.id] = applicant
    store.site.add_login(applicant.email, UserKind.APPLICANT, applicant.id)
    return applicant


def make_resume(rng: random.Random, fake: Faker, anchor: datetime, index: int) -> Resume:
    """One applicant's resume with contacts, education and experience (also used by admin API)."""
    female = rng.random() < 0.5
    if index % 11 == 5:
        first, last, middle = ODD_NAMES[(index // 11) % len(ODD_NAMES)]
    elif female:
        first, last = fake.first_name_female(), fake.last_name_female()
        middle = fake.middle_name_female() if rng.random() < 0.85 else None
    else:
        first, last = fake.first_name_male(), fake.last_name_male()
        middle = fake.middle_name_male() if rng.random() < 0.85 else None
    area_id, area_name = AREAS[rng.randrange(len(AREAS))]
    created = anchor - timedelta(days=rng.randint(30, 400))
    contacts = [
        Contact(
            "cell",
            "Мобильный телефон",
            "phone",
            phone_number(rng),
            preferred=True,
            comment="Звонить после 12" if rng.random() < 0.2 else None,
        ),
        Contact(
            "email", "Эл. почта", "email", f"applicant{index}.{rng.randint(10, 99)}@example.com"
        ),
    ]
    if rng.random() < 0.3:
        contacts.append(Contact("home", "Домашний", "phone", phone_number(rng)))
    if rng.random() < 0.2:
        contacts.append(Contact("telegram", "telegram", "primary", f"@user{index}"))
    hidden: list[str] = []
    if index % 9 == 4:
        hidden.append("names_and_photo")
    if index % 13 == 6:
        hidden.extend(["phones", "email"])
    level = EDUCATION_LEVELS[rng.randrange(len(EDUCATION_LEVELS))]
    education: list[Education] = []
    if level[0] in ("higher", "bachelor", "master"):
        institution, faculty = UNIVERSITIES[rng.randrange(len(UNIVERSITIES))]
        education.append(
            Education(
                institution, faculty, POSITIONS[index % len(POSITIONS)], rng.randint(1995, 2025)
            )
        )
    experience = [
        Experience(
            fake.company(),
            POSITIONS[rng.randrange(len(POSITIONS))],
            f"{rng.randint(2010, 2020)}-0{rng.randint(1, 9)}-01",
            None if rng.random() < 0.4 else f"{rng.randint(2021, 2025)}-0{rng.randint(1, 9)}-01",
            "Работа с клиентами, отчётность.",
        )
        for _ in range(rng.randint(0, 3))
    ]
    birth_year = rng.randint(1965, 2006)
    resume = Resume(
        id=f"{rng.getrandbits(152):038x}",
        owner_id=str(60000000 + index),
        title=POSITIONS[rng.randrange(len(POSITIONS))],
        first_name=first,
        last_name=last,
        middle_name=middle,
        birth_date=f"{birth_year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        gender="female" if female else "male",
        area_id=area_id,
        area_name=area_name,
        created_at=created,
        updated_at=created + timedelta(days=rng.randint(0, 25)),
        contacts=contacts,
        education_level=level,
        education=education,
        experience=experience,
        salary=None if rng.random() < 0.3 else rng.randrange(30, 300) * 1000,
        skills=rng.sample(
            ["Excel", "1С", "SQL", "Python", "Переговоры", "Продажи", "Английский"],
            k=rng.randint(0, 4),
        ),
        hidden_fields=hidden,
    )
    add_filter_fields(resume)
    return resume


def add_filter_fields(resume: Resume) -> None:
    """What the collection list filters read (hh.ru OpenAPI spec, ``get-collection-negotiations-
    list``: ``experience``, ``gender``, ``age_from``/``age_to``, ``salary_from``/``salary_to``):
    total experience in months, and the gaps hh.ru resumes have (no birth date, no gender, no
    experience). Drawn from the resume's own id, so the seeded world's other draws stay as they
    were."""
    draw = random.Random(resume.id)
    if resume.experience:
        resume.total_experience_months = draw.randint(12, 300)
    else:
        resume.total_experience_months = None if draw.random() < 0.5 else draw.randint(0, 11)
    if draw.random() < 0.1:
        resume.birth_date = None  # the applicant gave no birth date: no age
    if draw.random() < 0.05:
        resume.gender = None


# The website sends a letter with most moves (its templates); the applicant then sees
# ``state: invitation`` or ``discard`` (hh.ru OpenAPI spec, ``put-negotiations-collection-to-next-
# state``: ``message`` is sent to the applicant). "Подумать" is the employer's private pile.
MOVE_LETTERS: dict[str, str] = {
    "phone_interview": "Спасибо за отклик! Давайте созвонимся.",
    "assessment": "Приглашаем пройти тестовое задание.",
    "interview": "Приглашаем вас на собеседование.",
    "offer": "Мы готовы сделать вам предложение.",
    "hired": "Ждём вас на работе!",
    "discard_by_employer": "К сожалению, мы не готовы пригласить вас на эту вакансию.",
}


def _moved_with_message(negotiation_id: str, state: str) -> bool:
    """Three moved responses in four came with a letter; chosen by id so the seeded random draws
    (and so the rest of the world) stay as they were."""
    return state in MOVE_LETTERS and int(negotiation_id) % 4 != 0


def _make_negotiations(
    store: HhStore,
    counts: GeneratorCounts,
    rng: random.Random,
    anchor: datetime,
) -> None:
    resume_ids = list(store.resumes)
    states = [s for s in EMPLOYER_STATES if s not in SYSTEM_DISCARD_STATES]
    for vacancy in sorted(store.vacancies.values(), key=lambda v: v.id):
        # Sampling per vacancy from one pool makes many applicants respond to several vacancies.
        chosen = rng.sample(resume_ids, k=min(counts.negotiations_per_vacancy, len(resume_ids)))
        # an archived vacancy's negotiations came while it was open (hh.ru takes none after)
        archived_at, vacancy.archived_at = vacancy.archived_at, None
        for resume_id in chosen:
            invitation = rng.random() < 0.2
            span_s = max(60, int((anchor - vacancy.published_at).total_seconds()) - 60)
            created = vacancy.published_at + timedelta(seconds=rng.randint(60, span_s))
            state = "response" if rng.random() < 0.55 else states[rng.randrange(len(states))]
            if invitation and state == "response":
                state = "phone_interview"
            negotiation = store.add_negotiation(
                vacancy.id, resume_id, "employer" if invitation else "applicant", created, state
            )
            if state != "response":
                negotiation.viewed_by_employer = True
                negotiation.has_updates = rng.random() < 0.2
                moved_at = created + timedelta(
                    seconds=rng.randint(60, max(61, int((anchor - created).total_seconds())))
                )
                negotiation.updated_at = moved_at
                if not invitation and _moved_with_message(negotiation.id, state):
                    store.move(negotiation, state, moved_at, MOVE_LETTERS[state])
            elif rng.random() < 0.3:
                store.mark_viewed(negotiation)
        vacancy.archived_at = archived_at
    # A few applicants delete their resume afterwards: negotiations keep ``resume: null``.
    for resume_id in resume_ids[7::17]:
        store.resumes[resume_id].deleted = True
