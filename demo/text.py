"""Varied text for the scale seed (issue 20): tasks, manuals, cover letters and VA profiles
in English and Indonesian, from our phrase lists (demo.vocabulary) and Faker's `en_US` and
`id_ID` providers.

Faker fills pools of names, companies and cities once (seeded, so the same `--seed` gives
the same text); every text after that is our phrases and those pools combined by the
seed's own `random.Random`, which keeps a million cover letters to seconds. Categories,
clients and skills are drawn Zipf-like (`Zipf`): a few are much busier than the rest, and
the skills have a long tail.
"""

import bisect
import itertools
import random

from faker import Faker

from demo import vocabulary as v

LANGUAGES = ("en", "id")
_LOCALES = {"en": "en_US", "id": "id_ID"}


class Zipf:
    """Pick from `items` with weight 1 / rank**s: the first is the busiest, the last rare."""

    def __init__(self, items, s: float = 1.0):
        self.items = list(items)
        self.cumulative = list(itertools.accumulate(1 / (k**s) for k in range(1, len(items) + 1)))

    def pick(self, rng: random.Random):
        point = rng.random() * self.cumulative[-1]
        return self.items[bisect.bisect_right(self.cumulative, point)]

    def sample(self, rng: random.Random, n: int) -> list:
        """`n` distinct items (fewer when there are not that many)."""
        chosen: dict = {}
        for _ in range(n * 6):
            chosen[self.pick(rng)] = None
            if len(chosen) >= n:
                break
        return list(chosen)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


class Writer:
    def __init__(self, seed: int, *, pool: int = 400):
        self.rng = random.Random(seed)  # noqa: S311 - repeatable fake data, not secrets
        self.pools: dict[str, dict[str, list[str]]] = {}
        for language, locale in _LOCALES.items():
            fake = Faker(locale)
            fake.seed_instance(seed)
            self.pools[language] = {
                "first": [fake.first_name() for _ in range(pool)],
                "last": [fake.last_name() for _ in range(pool)],
                "company": [fake.company() for _ in range(pool)],
                "city": [fake.city() for _ in range(pool)],
            }
        self.categories = Zipf(v.CATEGORY_SLUGS, s=1.0)
        self.tail = Zipf(v.TOOLS, s=1.1)
        self.category_skills = {slug: Zipf(skills, s=0.8) for slug, skills in v.SKILLS.items()}

    # --- pieces -------------------------------------------------------------------------
    def language(self, indonesian_share: float = 0.55) -> str:
        return "id" if self.rng.random() < indonesian_share else "en"

    def name(self, language: str) -> str:
        pool = self.pools[language]
        return f"{self.rng.choice(pool['first'])} {self.rng.choice(pool['last'])}"

    def company(self, language: str) -> str:
        return self.rng.choice(self.pools[language]["company"])

    def skills(self, category: str, *, tail_share: float = 0.35, most: int = 3) -> list[str]:
        """1..`most` skills of the category (the common ones most often), and now and then
        one from the long tail of tools."""
        names = self.category_skills[category].sample(self.rng, self.rng.randint(1, most))
        if self.rng.random() < tail_share:
            names.append(self.tail.pick(self.rng))
        return list(dict.fromkeys(names))

    def words(self, language: str, category: str, skills: list[str]) -> dict:
        rng = self.rng
        tasks = v.TASKS[language][category]
        task, task2 = rng.sample(tasks, 2)
        pool = self.pools[language]
        extra = rng.sample(v.SKILLS[category] + v.TOOLS[:20], 3)
        skill, skill2, skill3 = (skills + extra)[:3]
        words = {
            "task": task,
            "task2": task2,
            "skill": skill,
            "skill2": skill2,
            "skill3": skill3,
            "business": rng.choice(v.BUSINESSES[language]),
            "company": rng.choice(pool["company"]),
            "city": rng.choice(pool["city"]),
            "name": f"{rng.choice(pool['first'])} {rng.choice(pool['last'])}",
            "client": rng.choice(pool["first"]),
            "weekday": rng.choice(v.WEEKDAYS[language]),
            "years": rng.randint(1, 12),
            "hours": rng.choice([10, 20, 30, 40]),
            "adjective": rng.choice(v.ADJECTIVES[language]),
            "role": rng.choice(v.ROLES[language]),
        }
        words.update({_cap(k): _cap(str(value)) for k, value in words.items()})
        return words

    # --- texts --------------------------------------------------------------------------
    def job(self, language: str, category: str, skills: list[str]) -> dict:
        """Title, description, deliverables and manual body of one task."""
        rng = self.rng
        w = self.words(language, category, skills)
        title = rng.choice(v.TITLE_PATTERNS[language]).format(**w)[:120]
        bodies = rng.sample(v.DESCRIPTION_BODIES[language], rng.randint(1, 3))
        description = " ".join(
            part.format(**w)
            for part in [
                rng.choice(v.DESCRIPTION_OPENINGS[language]),
                *bodies,
                rng.choice(v.DESCRIPTION_CLOSINGS[language]),
            ]
            if part
        )
        steps = [v.MANUAL_STEPS[language][i] for i in (0, 1, 2, 3)]
        steps += rng.sample(v.MANUAL_STEPS[language][4:], rng.randint(1, 3))
        manual = "\n".join(f"{n}. {step.format(**w)}" for n, step in enumerate(steps, 1))
        return {
            "title": title,
            "description": description,
            "deliverables": _cap(w["task"]) + "; " + w["task2"] + ".",
            "manual": manual,
        }

    def letter(self, language: str, category: str) -> str:
        w = self.words(language, category, [])
        return " ".join(self.rng.choice(part).format(**w) for part in v.LETTER_PARTS[language])

    def profile(self, language: str, category: str, skills: list[str]) -> dict:
        """A VA's headline and bio."""
        rng = self.rng
        w = self.words(language, category, skills)
        sentences = rng.sample(v.BIO_SENTENCES[language], rng.randint(2, 4))
        return {
            "headline": rng.choice(v.HEADLINE_PATTERNS[language]).format(**w)[:120],
            "bio": " ".join(s.format(**w) for s in sentences),
        }
