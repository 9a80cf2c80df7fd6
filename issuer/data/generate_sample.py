"""Generate issuer/data/sample_completions.csv from the sample catalogue.

Deterministic: one seeded ``random.Random`` and no clock, so every run writes the same
bytes.  Run from anywhere:

    python issuer/data/generate_sample.py

Most records are plainly eligible; a fixed set of students exercises every rule of SPEC 1
(see README.md for the cases and the students that carry them).  With ``--summary`` the
script also prints the case table it produced.
"""
from __future__ import annotations

import csv
import json
import sys
import unicodedata
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from pathlib import Path
from random import Random

HERE = Path(__file__).resolve().parent
CATALOGUE = HERE / "catalogue.json"
OUTPUT = HERE / "sample_completions.csv"
SEED = 20250731
TOTAL_STUDENTS = 300

HEADER = [
    "student_id", "home_university", "given_name", "family_name", "email", "date_of_birth",
    "study_level", "english_level", "course_code", "semester", "classes_attended",
    "classes_total", "grade", "passed", "assessed_on", "grade_announced_on", "objection",
    "applied_at",
]
AUTUMN, SPRING = "2024-autumn", "2025-spring"
APPLICATIONS_OPEN = {AUTUMN: date(2024, 9, 2), SPRING: date(2025, 2, 3)}
LATE_ANNOUNCEMENT = {AUTUMN: date(2025, 1, 30), SPRING: date(2025, 7, 30)}
HALF_POINT_HOSTS = ("AUA", "FredU", "LRUniv", "UCV")
UNIVERSITIES = ["AUA", "FredU", "KU", "LRUniv", "UCV", "UNIZD", "UROS", "UTCB", "SETU"]

# --- names: (male given, female given, (male family, female family) pairs) -----------------
NAMES = {
    "AUA": (
        ["Γιώργος", "Δημήτρης", "Νίκος", "Κωνσταντίνος", "Γιάννης", "Παναγιώτης", "Αλέξανδρος",
         "Χρήστος", "Βασίλης", "Θανάσης", "Σπύρος", "Μιχάλης"],
        ["Μαρία", "Ελένη", "Κατερίνα", "Σοφία", "Δέσποινα", "Χριστίνα", "Ιωάννα", "Αναστασία",
         "Ευαγγελία", "Δήμητρα", "Βασιλική", "Φωτεινή"],
        [("Παπαδόπουλος", "Παπαδοπούλου"), ("Γεωργίου", "Γεωργίου"), ("Οικονόμου", "Οικονόμου"),
         ("Καραγιάννης", "Καραγιάννη"), ("Νικολάου", "Νικολάου"), ("Μακρής", "Μακρή"),
         ("Λαμπρόπουλος", "Λαμπροπούλου"), ("Σταυρόπουλος", "Σταυροπούλου"), ("Χατζηδάκης", "Χατζηδάκη"),
         ("Μαυρίδης", "Μαυρίδου"), ("Τσακίρης", "Τσακίρη"), ("Δημητρίου", "Δημητρίου"),
         ("Αντωνίου", "Αντωνίου"), ("Βλάχος", "Βλάχου")],
    ),
    "FredU": (
        ["Andreas", "Christos", "Marios", "Georgios", "Panayiotis", "Nicos", "Stelios", "Kyriacos",
         "Demetris", "Savvas", "Costas", "Michalis"],
        ["Maria", "Eleni", "Christina", "Andri", "Georgia", "Despo", "Katerina", "Stella",
         "Marilena", "Panayiota", "Elena", "Anna"],
        [(n, n) for n in ["Georgiou", "Ioannou", "Constantinou", "Christodoulou", "Nicolaou",
                          "Charalambous", "Demetriou", "Panayiotou", "Kyriacou", "Stylianou",
                          "Hadjipavlou", "Antoniou", "Loizou", "Savva"]],
    ),
    "KU": (
        ["Jonas", "Lukas", "Matas", "Mantas", "Dovydas", "Tomas", "Paulius", "Justinas", "Ignas",
         "Rokas", "Žygimantas", "Domantas"],
        ["Ieva", "Gabija", "Eglė", "Rūta", "Austėja", "Urtė", "Goda", "Miglė", "Kotryna",
         "Gintarė", "Aistė", "Viktorija"],
        [("Kazlauskas", "Kazlauskaitė"), ("Jankauskas", "Jankauskienė"), ("Petrauskas", "Petrauskaitė"),
         ("Stankevičius", "Stankevičiūtė"), ("Vasiliauskas", "Vasiliauskaitė"), ("Žukauskas", "Žukauskaitė"),
         ("Butkus", "Butkutė"), ("Paulauskas", "Paulauskienė"), ("Urbonas", "Urbonaitė"),
         ("Šimkus", "Šimkutė"), ("Navickas", "Navickaitė"), ("Baranauskas", "Baranauskaitė"),
         ("Rimkus", "Rimkutė"), ("Šukys", "Šukytė"), ("Grigas", "Grigaitė")],
    ),
    "LRUniv": (
        ["Lucas", "Hugo", "Louis", "Gabriel", "Arthur", "Théo", "Nathan", "Mathéo", "Raphaël",
         "Jules", "Enzo", "Baptiste", "Clément"],
        ["Emma", "Léa", "Chloé", "Manon", "Camille", "Inès", "Zoé", "Louise", "Jade", "Océane",
         "Mathilde", "Élise", "Anaïs"],
        [(n, n) for n in ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit",
                          "Durand", "Leroy", "Moreau", "Lefèvre", "Garnier", "Faure", "Rousseau",
                          "Guérin", "Chevalier", "Bénard", "Gauthier"]],
    ),
    "UCV": (
        ["Pablo", "Alejandro", "Javier", "Daniel", "Hugo", "Álvaro", "Adrián", "Sergio", "Marcos",
         "Vicente", "Jorge", "Iván", "José Luis"],
        ["Lucía", "María", "Paula", "Laura", "Marta", "Carmen", "Sara", "Alba", "Claudia",
         "Nerea", "Andrea", "Amparo", "María José"],
        [(n, n) for n in ["García", "Martínez", "López", "Sánchez", "Pérez", "Gómez", "Jiménez",
                          "Ruiz", "Hernández", "Díaz", "Moreno", "Muñoz", "Álvarez", "Navarro",
                          "Ferrer", "Soler", "Ibáñez", "Castelló", "Peñalver", "Llorens"]],
    ),
    "UNIZD": (
        ["Luka", "Ivan", "Marko", "Josip", "Ante", "Matej", "Filip", "Petar", "Nikola", "Dominik",
         "Frane", "Šime"],
        ["Ana", "Ivana", "Marija", "Petra", "Lucija", "Ema", "Katarina", "Mia", "Lana", "Nika",
         "Matea", "Dora"],
        [(n, n) for n in ["Horvat", "Kovačević", "Babić", "Marić", "Jurić", "Knežević", "Vuković",
                          "Perić", "Matić", "Šarić", "Bašić", "Radić", "Grgić", "Dražić",
                          "Šimunić", "Jelić", "Đurđević", "Buljat"]],
    ),
    "UROS": (
        ["Lukas", "Jonas", "Leon", "Finn", "Paul", "Felix", "Maximilian", "Niklas", "Tim", "Jan",
         "Moritz", "Jannik"],
        ["Anna", "Lena", "Laura", "Lea", "Sophie", "Marie", "Johanna", "Hannah", "Clara",
         "Charlotte", "Greta", "Frieda"],
        [(n, n) for n in ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner",
                          "Becker", "Schulz", "Hoffmann", "Krüger", "Lange", "Schröder",
                          "Petersen", "Jürgens", "Voß", "Brandt", "Möller"]],
    ),
    "UTCB": (
        ["Andrei", "Alexandru", "Mihai", "Ștefan", "Ionuț", "Cristian", "Răzvan", "Bogdan", "Vlad",
         "Florin", "Gabriel", "Tudor"],
        ["Andreea", "Ioana", "Maria", "Elena", "Alexandra", "Bianca", "Cristina", "Diana", "Raluca",
         "Ana-Maria", "Iulia", "Mădălina"],
        [(n, n) for n in ["Popescu", "Ionescu", "Popa", "Dumitrescu", "Stan", "Stoica", "Gheorghe",
                          "Rusu", "Munteanu", "Matei", "Constantin", "Șerban", "Marinescu",
                          "Niculescu", "Dragomir", "Ciobanu", "Țăranu", "Lungu"]],
    ),
    "SETU": (
        ["Seán", "Cian", "Oisín", "Conor", "Darragh", "Jack", "Ciarán", "Eoin", "Tadhg", "Liam",
         "Pádraig", "Rory"],
        ["Aoife", "Saoirse", "Niamh", "Siobhán", "Caoimhe", "Róisín", "Ciara", "Sinéad", "Orla",
         "Aisling", "Emma", "Clodagh"],
        [(n, n) for n in ["Murphy", "Kelly", "O'Sullivan", "Walsh", "Power", "O'Brien", "Byrne",
                          "Ryan", "Kavanagh", "Dunphy", "Phelan", "Fitzgerald", "Doyle"]]
        + [("Ó Briain", "Ní Bhriain"), ("Mac Cárthaigh", "Nic Cárthaigh"),
           ("Ó Súilleabháin", "Ní Shúilleabháin"), ("Ó Ceallaigh", "Ní Cheallaigh")],
    ),
}

ASCII_EXTRA = str.maketrans({"ß": "ss", "đ": "d", "Đ": "D", "'": "", " ": "-"})
GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


def ascii_slug(text: str, *, german: bool = False) -> str:
    if german:
        text = text.translate(GERMAN)
    text = unicodedata.normalize("NFKD", text.translate(ASCII_EXTRA))
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def student_id(rng: Random, uni: str) -> str:
    year = rng.choice([21, 22, 23, 24])
    n = rng.randrange(10**4)
    return {
        "AUA": f"{year}{n:04d}",                                   # AUA registry number
        "FredU": f"ST0{rng.randrange(10**5):05d}",                 # Frederick student number
        "KU": f"{2000 + year}{n:04d}",                            # KU student code
        "LRUniv": f"2{year}{rng.randrange(10**5):05d}",            # numéro d'étudiant
        "UCV": f"11{year}{n:04d}",                                 # expediente
        "UNIZD": f"0269{year:02d}{n:04d}",                          # JMBAG, 10 digits
        "UROS": f"2{year}{rng.randrange(10**6):06d}",              # Matrikelnummer, 9 digits
        "UTCB": f"{rng.choice(['CF', 'HY', 'IC', 'IE', 'UT'])}{year}{n:04d}",  # număr matricol
        "SETU": f"W20{year}{n:04d}",                                # SETU Waterford number
    }[uni]


def email(uni: str, sid: str, given: str, family: str, taken: set[str]) -> str:
    g = ascii_slug(given)
    f = ascii_slug(family.split(" ")[0] if uni == "UCV" else family, german=uni == "UROS")
    local, domain = {
        "AUA": (f"stud{sid}", "aua.gr"),
        "FredU": (sid.lower(), "stud.frederick.ac.cy"),
        "KU": (f"{g}.{f}", "stud.ku.lt"),
        "LRUniv": (f"{g}.{f}", "etudiant.univ-lr.fr"),
        "UCV": (f"{g}.{f}", "mail.ucv.es"),
        "UNIZD": (f"{g[0]}{f}", "student.unizd.hr"),
        "UROS": (f"{ascii_slug(given, german=True)}.{f}", "uni-rostock.de"),
        "UTCB": (f"{g}.{f}", "stud.utcb.ro"),
        "SETU": (sid.lower(), "setu.ie"),
    }[uni]
    address, n = f"{local}@{domain}", 1
    while address in taken:
        n += 1
        address = f"{local}{n}@{domain}"
    taken.add(address)
    return address


def add_working_days(d: date, n: int) -> date:
    while n:
        d += timedelta(days=1)
        if d.weekday() < 5:
            n -= 1
    return d


def fmt_grade(g: float) -> str:
    return str(int(g)) if float(g).is_integer() else f"{g:.1f}"


class Sample:
    """Builds students and their completion records, tagging each deliberate case."""

    def __init__(self, catalogue: dict, rng: Random):
        self.rng = rng
        self.semester_end = {s["id"]: date.fromisoformat(s["end_date"]) for s in catalogue["semesters"]}
        self.courses = {(c["code"], c["semester"]): c for c in catalogue["micro_credentials"]}
        self.by_sector = defaultdict(list)
        for c in catalogue["micro_credentials"]:
            self.by_sector[(c["sector"], c["semester"])].append(c)
        self.sectors = [s["code"] for s in catalogue["sectors"]]
        self.students: list[dict] = []
        self.rows: list[dict] = []
        self.cases: dict[str, list[str]] = defaultdict(list)
        self._ids: set[tuple[str, str]] = set()
        self._emails: set[str] = set()

    # -- people ------------------------------------------------------------------------------
    def student(self, case: str | None = None, *, uni: str | None = None, note: str = "",
                study_level: str = "bachelor", english: str | None = None) -> dict:
        rng = self.rng
        uni = uni or rng.choice(UNIVERSITIES)
        males, females, families = NAMES[uni]
        female = rng.random() < 0.55
        given = rng.choice(females if female else males)
        family = rng.choice(families)[1 if female else 0]
        if uni == "UCV":
            family = f"{family} {rng.choice(families)[0]}"
        sid = student_id(rng, uni)
        while (uni, sid) in self._ids:
            sid = student_id(rng, uni)
        self._ids.add((uni, sid))
        born = date(1999, 1, 1) + timedelta(days=rng.randrange(7 * 365))
        s = {
            "student_id": sid, "home_university": uni, "given_name": given, "family_name": family,
            "email": email(uni, sid, given, family, self._emails),
            "date_of_birth": born.isoformat() if rng.random() < 0.75 else "",
            "study_level": study_level,
            "english_level": english or rng.choices(["B2", "C1", "C2"], [45, 40, 15])[0],
        }
        self.students.append(s)
        if case:
            self.cases[case].append(f"{uni}/{sid} {note}".rstrip())
        return s

    # -- grades ------------------------------------------------------------------------------
    def passing_grade(self, course: dict) -> float:
        rng, host = self.rng, course["host"]
        if host in ("AUA", "FredU"):
            return rng.choice([5, 6, 6.5, 7, 7.5, 8, 8, 8.5, 9, 9.5, 10])
        if host == "UCV":
            return round(rng.uniform(5.0, 9.9), 1)
        if host in ("KU", "UTCB"):
            return rng.choice([5, 6, 7, 7, 8, 8, 9, 9, 10])
        if host == "LRUniv":
            return rng.choice([10, 11, 12, 12.5, 13, 14, 14.5, 15, 16, 17, 18])
        if host == "UNIZD":
            return rng.choice([2, 3, 4, 4, 5, 5])
        if host == "UROS":
            return rng.randrange(52, 99)
        return rng.randrange(45, 90)  # SETU, percent

    def failing_grade(self, course: dict) -> float:
        """A grade above zero but below the pass mark, in the host's usual steps."""
        g = course["grading"]
        low, mark = g["minimum"], g["pass_mark"]
        step = 0.5 if course["host"] in HALF_POINT_HOSTS else 1
        options = [low + i * step for i in range(int((mark - low) / step))]
        return self.rng.choice([x for x in options if x > 0 and x >= mark / 2] or options[-1:])

    # -- records -----------------------------------------------------------------------------
    def applied_at(self, course: dict, *, latest: date | None = None) -> str:
        rng = self.rng
        start = date.fromisoformat(course["start_date"])
        last = min(latest or start, start) - timedelta(days=8)
        first = APPLICATIONS_OPEN[course["semester"]]
        day = first + timedelta(days=rng.randrange((last - first).days + 1))
        moment = time(rng.randrange(7, 23), rng.randrange(60), rng.randrange(60))
        return datetime.combine(day, moment).strftime("%Y-%m-%dT%H:%M:%SZ")

    def record(self, s: dict, code: str, semester: str, *, case: str | None = None,
               attended: int | None = None, grade: float | None = None, passed: bool | None = None,
               announced: date | None = None, objection: str = "none",
               applied_at: str | None = None) -> dict:
        rng, course = self.rng, self.courses[(code, semester)]
        total = course["classes_total"]
        if total is not None and attended is None:
            attended = rng.choice([total, total, total - 1]) if total == 5 else rng.choice([4, 5, 6, 6])
        grade = self.passing_grade(course) if grade is None else grade
        passed = grade >= course["grading"]["pass_mark"] if passed is None else passed
        end = date.fromisoformat(course["end_date"])
        assessed = end + timedelta(days=rng.choice([0, 0, 2, 3, 4]))
        while assessed.weekday() > 4:
            assessed += timedelta(days=1)
        if announced is None:
            announced = self._announcement(assessed, semester)
        row = {
            **{k: s[k] for k in HEADER[:8]},
            "course_code": code, "semester": semester,
            "classes_attended": "" if total is None else attended,
            "classes_total": "" if total is None else total,
            "grade": fmt_grade(grade), "passed": "true" if passed else "false",
            "assessed_on": assessed.isoformat(), "grade_announced_on": announced.isoformat(),
            "objection": objection, "applied_at": applied_at or self.applied_at(course),
        }
        self.rows.append(row)
        if case:
            self.cases[case].append(f"{s['home_university']}/{s['student_id']} {code} {semester}")
        return row

    def _announcement(self, assessed: date, semester: str) -> date:
        """Within 7 working days of the assessment, and final (2 working days) by semester end."""
        announced = add_working_days(assessed, self.rng.randrange(1, 8))
        while add_working_days(announced, 2) > self.semester_end[semester] or announced.weekday() > 4:
            announced -= timedelta(days=1)
        return max(announced, assessed)

    # -- course choice -----------------------------------------------------------------------
    def pick(self, sector: str, semester: str, **criteria) -> dict:
        """A random run of ``sector`` in ``semester`` that meets the criteria of ``_fits``."""
        options = [c for c in self.by_sector[(sector, semester)] if self._fits(c, **criteria)]
        return self.rng.choice(options)

    def pick_any(self, semester: str, **criteria) -> dict:
        """A random sector (among those with a fitting run), then a fitting run in it."""
        sectors = [s for s in self.sectors if any(
            self._fits(c, **criteria) for c in self.by_sector[(s, semester)])]
        return self.pick(self.rng.choice(sectors), semester, **criteria)

    @staticmethod
    def _fits(c: dict, exclude=(), sync_only: bool = False, classes: int | None = None,
              hosts=None) -> bool:
        return (c["code"] not in exclude and (not sync_only or c["delivery"] == "synchronous")
                and (classes is None or c["classes_total"] == classes)
                and (hosts is None or c["host"] in hosts))


# --- the deliberate cases -----------------------------------------------------------------
def itineraries(g: Sample) -> None:
    rng = g.rng
    for _ in range(25):  # 3 sectors in autumn + the 3 others in spring, all eligible
        s = g.student("interdisciplinary_earned")
        order = rng.sample(g.sectors, 6)
        for i, sector in enumerate(order):
            sem = AUTUMN if i < 3 else SPRING
            g.record(s, g.pick(sector, sem)["code"], sem)
    for i in range(10):  # 6 distinct courses of one sector over the two semesters
        sector = g.sectors[i % 6]
        expertise_run(g, g.student("expertise_earned", note=sector), sector, 3, 3)
    for _ in range(2):  # 6 sectors, but the last spring grade is announced on 2025-07-30
        s = g.student("interdisciplinary_pending_late_grade")
        order = rng.sample(g.sectors, 6)
        for i, sector in enumerate(order):
            sem = AUTUMN if i < 3 else SPRING
            late = LATE_ANNOUNCEMENT[SPRING] if i == 5 else None
            g.record(s, g.pick(sector, sem)["code"], sem, announced=late)


def expertise_run(g: Sample, s: dict, sector: str, n_autumn: int, n_spring: int,
                  repeat_one: bool = False) -> None:
    taken: list[str] = []
    for _ in range(n_autumn):
        taken.append(g.pick(sector, AUTUMN, exclude=taken)["code"])
        g.record(s, taken[-1], AUTUMN)
    spring = []
    if repeat_one:
        again = next(c for c in taken if (c, SPRING) in g.courses)
        g.record(s, again, SPRING)
        spring.append(again)
    while len(spring) < n_spring:
        c = g.pick(sector, SPRING, exclude=taken + spring)["code"]
        spring.append(c)
        g.record(s, c, SPRING)


def near_misses(g: Sample) -> None:
    rng = g.rng
    for case, n_autumn, n_spring, count in (("near_interdisciplinary_5_sectors", 3, 2, 4),
                                            ("near_interdisciplinary_4_sectors", 2, 2, 3)):
        for _ in range(count):
            s = g.student(case)
            order = rng.sample(g.sectors, n_autumn + n_spring)
            for i, sector in enumerate(order):
                sem = AUTUMN if i < n_autumn else SPRING
                g.record(s, g.pick(sector, sem)["code"], sem)
    for case, n_autumn, n_spring, count in (("near_expertise_5_courses", 3, 2, 3),
                                            ("near_expertise_4_courses", 2, 2, 3)):
        for _ in range(count):
            sector = rng.choice(g.sectors)
            expertise_run(g, g.student(case, note=sector), sector, n_autumn, n_spring)
    sector = rng.choice(g.sectors)
    s = g.student("expertise_retaken_counts_once", note=sector)
    expertise_run(g, s, sector, 3, 3, repeat_one=True)


def single_record_cases(g: Sample) -> None:
    rng = g.rng
    for _ in range(3):
        s = g.student(study_level="master")
        c = g.pick_any(rng.choice([AUTUMN, SPRING]))
        g.record(s, c["code"], c["semester"], case="not_bachelor")
    for _ in range(3):
        s = g.student(english="B1")
        c = g.pick_any(rng.choice([AUTUMN, SPRING]))
        g.record(s, c["code"], c["semester"], case="english_below_b2")
    for attended, classes in ((2, 5), (3, 6), (1, 5)):
        c = g.pick_any(rng.choice([AUTUMN, SPRING]), classes=classes)
        g.record(g.student(), c["code"], c["semester"], attended=attended, case="attendance_below_60")
    for _ in range(3):
        c = g.pick_any(rng.choice([AUTUMN, SPRING]), classes=5)
        g.record(g.student(), c["code"], c["semester"], attended=3, case="attendance_exactly_60")
    zero_hosts = [u for u in UNIVERSITIES if u not in ("UNIZD", "UTCB")]  # scales starting at 0
    for _ in range(3):
        c = g.pick_any(rng.choice([AUTUMN, SPRING]), sync_only=True, hosts=zero_hosts)
        g.record(g.student(), c["code"], c["semester"], attended=0, grade=0, passed=False,
                 case="grade_zero_no_participation")
    for hosts in (["UNIZD"], ["LRUniv"]):
        c = g.pick_any(rng.choice([AUTUMN, SPRING]), hosts=hosts)
        g.record(g.student(), c["code"], c["semester"], grade=g.failing_grade(c), passed=False,
                 case="failed_below_pass_mark")
    for sem in (SPRING, SPRING, AUTUMN):
        c = g.pick_any(sem)
        g.record(g.student(), c["code"], sem, announced=LATE_ANNOUNCEMENT[sem],
                 case="grade_announced_late")
    for objection, case in (("raised", "objection_pending"), ("resolved", "objection_resolved")):
        for _ in range(3):
            c = g.pick_any(rng.choice([AUTUMN, SPRING]))
            g.record(g.student(), c["code"], c["semester"], objection=objection, case=case)


def semester_limit(g: Sample) -> None:
    """Four applications in one semester; the one applied for last starts first."""
    rng = g.rng
    for sem in (AUTUMN, SPRING):
        s = g.student("semester_limit_exceeded")
        chosen: list[dict] = []
        while len(chosen) < 4:
            c = g.pick_any(sem, exclude=[x["code"] for x in chosen])
            chosen.append(c)
        chosen.sort(key=lambda c: c["start_date"], reverse=True)
        earliest = date.fromisoformat(chosen[-1]["start_date"])
        stamps = sorted(g.applied_at(c, latest=earliest) for c in chosen)
        while len(set(stamps)) < 4:
            stamps = sorted(g.applied_at(c, latest=earliest) for c in chosen)
        for c, stamp in zip(chosen, stamps):
            g.record(s, c["code"], sem, applied_at=stamp,
                     case="semester_limit_4th_application" if stamp == stamps[-1] else None)


def retakes(g: Sample) -> None:
    rng = g.rng
    both = sorted({code for (code, sem) in g.courses if (code, AUTUMN) in g.courses
                   and (code, SPRING) in g.courses})
    for i in range(3):
        code = rng.choice(both)
        s = g.student("retake_failed_autumn_passed_spring", note=code)
        course = g.courses[(code, AUTUMN)]
        if i == 0 and course["classes_total"] is not None and course["grading"]["minimum"] == 0:
            g.record(s, code, AUTUMN, attended=0, grade=0, passed=False)
        else:
            g.record(s, code, AUTUMN, grade=g.failing_grade(course), passed=False)
        g.record(s, code, SPRING)


def regular(g: Sample, count: int) -> None:
    rng = g.rng
    for _ in range(count):
        s = g.student()
        n = rng.choices([1, 2, 3], [45, 35, 20])[0]
        taken: list[str] = []
        per_sem = {AUTUMN: 0, SPRING: 0}
        while len(taken) < n:
            sem = rng.choice([AUTUMN, SPRING])
            if per_sem[sem] == 2:
                continue
            c = g.pick_any(sem, exclude=taken)
            taken.append(c["code"])
            per_sem[sem] += 1
            g.record(s, c["code"], sem)


def build(rng: Random, catalogue: dict) -> Sample:
    g = Sample(catalogue, rng)
    itineraries(g)
    near_misses(g)
    single_record_cases(g)
    semester_limit(g)
    retakes(g)
    regular(g, TOTAL_STUDENTS - len(g.students))
    g.rows.sort(key=lambda r: (r["semester"], g.courses[(r["course_code"], r["semester"])]["host"],
                               r["course_code"], r["applied_at"], r["home_university"], r["student_id"]))
    return g


def write_csv(rows: list[dict], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=HEADER, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def main(argv: list[str]) -> int:
    catalogue = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    g = build(Random(SEED), catalogue)
    write_csv(g.rows, OUTPUT)
    print(f"wrote {len(g.rows)} records of {len(g.students)} students to {OUTPUT.name}")
    if "--summary" in argv:
        for case, items in g.cases.items():
            print(f"\n{case} ({len(items)}):")
            for item in items:
                print(f"  {item}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
