"""The hh.ru API sandbox: employers, vacancies, negotiations and resumes behind hh.ru's OAuth,
limits and error bodies (``create_app`` in :mod:`.app`)."""
