"""Write the labelled near-duplicate evaluation set to ``tests/data/stories/stories.jsonl``.

The set imitates six weeks of a medical news feed: regulatory approvals, trial
readouts, outbreaks, journal studies, recalls and guidelines, each covered by
several outlets that rewrite the headline and summary in their own words
(syndicated rewrites, press-release copies, one-line briefs, journal abstracts),
plus hard negatives that share most of their vocabulary with a story but are a
different story: other trials of the same drug on the same day, follow-ups days
later, weekly digests and corrections with recurring titles, and generic
headlines reused for unrelated studies.

It does not run any matching; it is seeded and deterministic, so re-running it
reproduces the committed file byte for byte. Run:
``.venv/bin/python benchmarks/story_set.py`` (or ``… story_set.py SEED PATH`` for a
held-out set drawn with another seed, to check that tuning on the committed set
did not overfit it).
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "stories" / "stories.jsonl"
START = datetime(2026, 9, 1, tzinfo=UTC)

AGENCIES = ("fda-press", "ema-news", "cdc-newsroom", "who-news", "nih-news")
JOURNALS = ("nejm", "lancet", "jama", "bmj", "jama-cardiology", "lancet-oncology")
NEWS = (
    "statnews", "medpage-today", "fierce-pharma", "fierce-biotech", "reuters-health",
    "healio", "medscape", "healthday", "endpoints-news", "cidrap", "pharmaphorum",
    "guardian-health", "ap-health", "biopharma-dive", "mdedge", "everyday-health",
)  # fmt: skip
WIRES = ("prnewswire-health", "businesswire-health", "globenewswire-health")
SOCIETIES = ("acc-news", "asco-news", "aha-news", "idsa-news", "ada-news")
LABELS = (
    {s: "press-release" for s in AGENCIES + WIRES}
    | {s: "journal" for s in JOURNALS}
    | {s: "news" for s in NEWS}
    | {s: "society" for s in SOCIETIES}
)


@dataclass(frozen=True)
class Row:
    story: str
    title: str
    summary: str
    source: str
    published: datetime
    kind: str


# --- vocabulary --------------------------------------------------------------

DRUGS = [
    ("Keytruda", "pembrolizumab", "Merck", "PD-1 inhibitor", "onc"),
    ("Opdivo", "nivolumab", "Bristol Myers Squibb", "PD-1 inhibitor", "onc"),
    ("Imfinzi", "durvalumab", "AstraZeneca", "PD-L1 inhibitor", "onc"),
    ("Enhertu", "trastuzumab deruxtecan", "Daiichi Sankyo and AstraZeneca",
     "antibody-drug conjugate", "onc"),
    ("Zepbound", "tirzepatide", "Eli Lilly", "GIP/GLP-1 receptor agonist", "metab"),
    ("Wegovy", "semaglutide", "Novo Nordisk", "GLP-1 receptor agonist", "metab"),
    ("Leqembi", "lecanemab", "Eisai and Biogen", "anti-amyloid antibody", "neuro"),
    ("Kisunla", "donanemab", "Eli Lilly", "anti-amyloid antibody", "neuro"),
    ("Jardiance", "empagliflozin", "Boehringer Ingelheim", "SGLT2 inhibitor", "cardio"),
    ("Farxiga", "dapagliflozin", "AstraZeneca", "SGLT2 inhibitor", "cardio"),
    ("Camzyos", "mavacamten", "Bristol Myers Squibb", "cardiac myosin inhibitor", "cardio"),
    ("Dupixent", "dupilumab", "Sanofi and Regeneron", "IL-4 receptor antagonist", "immuno"),
    ("Rinvoq", "upadacitinib", "AbbVie", "JAK inhibitor", "immuno"),
    ("Skyrizi", "risankizumab", "AbbVie", "IL-23 inhibitor", "immuno"),
    ("Tagrisso", "osimertinib", "AstraZeneca", "EGFR inhibitor", "onc"),
    ("Calquence", "acalabrutinib", "AstraZeneca", "BTK inhibitor", "onc"),
    ("Trikafta", "elexacaftor/tezacaftor/ivacaftor", "Vertex", "CFTR modulator", "resp"),
    ("Casgevy", "exagamglogene autotemcel", "Vertex and CRISPR Therapeutics",
     "gene-edited cell therapy", "heme"),
    ("Leqvio", "inclisiran", "Novartis", "siRNA cholesterol drug", "cardio"),
    ("Kerendia", "finerenone", "Bayer", "mineralocorticoid receptor antagonist", "cardio"),
    ("Vyvgart", "efgartigimod", "argenx", "FcRn blocker", "neuro"),
    ("Tezspire", "tezepelumab", "Amgen and AstraZeneca", "TSLP blocker", "resp"),
    ("Ozempic", "semaglutide", "Novo Nordisk", "GLP-1 receptor agonist", "metab"),
    ("Cobenfy", "xanomeline-trospium", "Bristol Myers Squibb", "muscarinic agonist", "psych"),
    ("Winrevair", "sotatercept", "Merck", "activin signaling inhibitor", "cardio"),
    ("Imdelltra", "tarlatamab", "Amgen", "bispecific T-cell engager", "onc"),
    ("Rybrevant", "amivantamab", "Johnson & Johnson", "EGFR-MET bispecific antibody", "onc"),
    ("Kisqali", "ribociclib", "Novartis", "CDK4/6 inhibitor", "onc"),
    ("Verzenio", "abemaciclib", "Eli Lilly", "CDK4/6 inhibitor", "onc"),
    ("Lynozyfic", "linvoseltamab", "Regeneron", "BCMAxCD3 bispecific antibody", "onc"),
]  # fmt: skip

INDICATIONS = [
    ("non-small cell lung cancer", "lung cancer", "adults with previously untreated metastatic",
     "onc"),
    ("HER2-low metastatic breast cancer", "breast cancer", "patients with", "onc"),
    ("early-stage triple-negative breast cancer", "breast cancer", "patients with high-risk",
     "onc"),
    ("hepatocellular carcinoma", "liver cancer", "adults with unresectable", "onc"),
    ("chronic kidney disease", "kidney disease", "adults with", "cardio"),
    ("heart failure with preserved ejection fraction", "heart failure", "adults with", "cardio"),
    ("obstructive hypertrophic cardiomyopathy", "cardiomyopathy", "adults with symptomatic",
     "cardio"),
    ("obesity", "weight loss", "adults with", "metab"),
    ("type 2 diabetes", "diabetes", "adults with poorly controlled", "metab"),
    ("early Alzheimer's disease", "Alzheimer's", "people with", "neuro"),
    ("moderate-to-severe atopic dermatitis", "eczema", "children aged 6 months and older with",
     "immuno"),
    ("chronic obstructive pulmonary disease", "COPD", "adults with", "resp"),
    ("ulcerative colitis", "colitis", "adults with moderately to severely active", "immuno"),
    ("Crohn's disease", "Crohn's", "adults with moderately to severely active", "immuno"),
    ("generalized myasthenia gravis", "myasthenia gravis", "adults with", "neuro"),
    ("pulmonary arterial hypertension", "PAH", "adults with", "cardio"),
    ("schizophrenia", "schizophrenia", "adults with", "psych"),
    ("small cell lung cancer", "lung cancer", "adults with extensive-stage", "onc"),
    ("multiple myeloma", "myeloma", "adults with relapsed or refractory", "onc"),
    ("sickle cell disease", "sickle cell", "patients 12 years and older with", "heme"),
    ("severe asthma", "asthma", "patients 12 and older with", "resp"),
    ("chronic lymphocytic leukemia", "CLL", "adults with treatment-naive", "onc"),
    ("primary biliary cholangitis", "PBC", "adults with", "metab"),
    ("cystic fibrosis", "CF", "people 2 years and older with", "resp"),
    ("transfusion-dependent beta thalassemia", "thalassemia", "patients 12 and older with", "heme"),
    ("MASH with liver fibrosis", "fatty liver disease", "adults with", "metab"),
]  # fmt: skip

TRIAL_PREFIXES = [
    "KEYNOTE", "CheckMate", "DESTINY-Breast", "SURMOUNT", "STEP", "CLARITY", "TRAILBLAZER",
    "EMPEROR", "DAPA", "EXPLORER", "LIBERTY", "SELECT", "FLAURA", "ELEVATE", "SOLO",
    "ORION", "FINEARTS", "ADAPT", "NAVIGATOR", "EMERGENT", "STELLAR", "DeLLphi", "MARIPOSA",
    "NATALEE", "monarchE", "LINKER", "AEGEAN", "PACIFIC", "HIMALAYA", "TROPION",
]  # fmt: skip

ENDPOINTS = {  # area -> (endpoint, short name, what the drug lowers the risk of)
    "onc": [
        ("progression-free survival", "PFS", "disease progression or death"),
        ("overall survival", "OS", "death"),
        ("event-free survival", "EFS", "recurrence, progression or death"),
    ],
    "cardio": [
        ("the composite of cardiovascular death or worsening heart failure", "the primary "
         "endpoint", "cardiovascular death or heart failure events"),
        ("kidney function decline", "kidney outcomes", "kidney failure or sustained eGFR decline"),
    ],
    "metab": [
        ("change in body weight at 72 weeks", "weight loss", "major adverse cardiovascular events"),
        ("HbA1c reduction at 40 weeks", "HbA1c", "major adverse cardiovascular events"),
    ],
    "neuro": [
        ("clinical decline on the CDR-SB scale", "cognitive decline", "clinical worsening"),
        ("improvement in MG-ADL score", "MG-ADL", "clinical worsening"),
    ],
    "resp": [("annualized exacerbation rate", "exacerbations", "severe exacerbations")],
    "immuno": [
        ("clinical remission at week 52", "remission", "disease flares"),
        ("EASI-75 response at week 16", "skin clearance", "disease flares"),
    ],
    "psych": [("change in PANSS total score", "symptom scores", "relapse")],
    "heme": [
        ("freedom from vaso-occlusive crises", "crisis-free rates", "severe vaso-occlusive crises"),
    ],
}  # fmt: skip

AES = [
    "nausea", "diarrhea", "fatigue", "rash", "headache", "constipation", "vomiting",
    "upper respiratory tract infection", "injection site reactions", "anemia", "neutropenia",
    "interstitial lung disease", "infusion-related reactions", "dizziness", "hypertension",
]  # fmt: skip

PEOPLE = [
    "Dr. Maria Gonzalez", "Dr. James Chen", "Dr. Aisha Patel", "Dr. Robert Keller",
    "Dr. Hannah Lindqvist", "Dr. Samuel Okafor", "Dr. Elena Rossi", "Dr. David Levin",
    "Dr. Priya Raman", "Dr. Thomas Becker", "Dr. Naomi Sato", "Dr. Luis Herrera",
]  # fmt: skip

INSTITUTIONS = [
    "Memorial Sloan Kettering Cancer Center", "Mayo Clinic", "Dana-Farber Cancer Institute",
    "Johns Hopkins University", "Massachusetts General Hospital", "the University of Oxford",
    "Karolinska Institutet", "Cleveland Clinic", "MD Anderson Cancer Center", "Stanford Medicine",
    "Imperial College London", "the University of Toronto", "Vanderbilt University Medical Center",
]  # fmt: skip

CONFERENCES = [
    "the ESMO Congress", "the European Society of Cardiology Congress", "IDWeek",
    "the EASD Annual Meeting", "the AASLD Liver Meeting", "the Clinical Trials on Alzheimer's "
    "Disease conference", "the ERS International Congress", "UEG Week",
]  # fmt: skip

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

COMPANY_BOILERPLATE = (
    "About {company}: {company} is a global biopharmaceutical company that discovers, develops "
    "and commercializes innovative medicines. This press release contains forward-looking "
    "statements that involve substantial risks and uncertainties."
)


def pct(rng: random.Random, value: int) -> str:
    """Outlets write the same number differently."""
    return rng.choice([f"{value}%", f"{value} percent", f"{value}%"])


def nct(rng: random.Random) -> str:
    return f"NCT0{rng.randint(4000000, 6999999)}"


def pick(rng: random.Random, options: Sequence[str], **facts: object) -> str:
    return rng.choice(list(options)).format(**facts)


def compose(rng: random.Random, parts: Sequence[Sequence[str]], keep: int, **facts: object) -> str:
    """A summary: the first part always, then ``keep - 1`` of the others in random order."""
    first, *rest = parts
    chosen = [first, *rng.sample(list(rest), min(keep - 1, len(rest)))]
    sentences = (pick(rng, options, **facts) for options in chosen)
    return " ".join(sentence[:1].upper() + sentence[1:] for sentence in sentences)


# --- story generators ----------------------------------------------------------
# Each returns the facts of one event and a function writing one outlet's version.

Writer = Callable[[random.Random, str], tuple[str, str]]


Drug = tuple[str, str, str, str, str]


def indication_for(rng: random.Random, area: str) -> tuple[str, str, str]:
    indication, short, population, _ = rng.choice([i for i in INDICATIONS if i[3] == area])
    return indication, short, population


def approval_facts(rng: random.Random, drug: Drug) -> dict[str, object]:
    brand, generic, company, klass, area = drug
    indication, short, population = indication_for(rng, area)
    return {
        "brand": brand, "generic": generic, "company": company, "klass": klass,
        "indication": indication, "short": short, "population": population,
        "trial": f"{rng.choice(TRIAL_PREFIXES)}-{rng.randint(2, 99)}",
        "risk_of": rng.choice(ENDPOINTS[area])[2], "n": rng.randint(300, 4200),
        "effect": pct(rng, rng.randint(18, 52)),
        "ae1": rng.choice(AES), "ae2": rng.choice(AES), "person": rng.choice(PEOPLE),
        "inst": rng.choice(INSTITUTIONS), "weekday": rng.choice(WEEKDAYS),
        "agency": "FDA",
        "price": f"{rng.randint(2, 30)},{rng.randint(100, 999)}",
    }  # fmt: skip


APPROVAL_TITLES = [
    "{agency} approves {brand} ({generic}) for {indication}",
    "{agency} OKs {company}'s {brand} for {short}",
    "Agency clears {generic} for {population} {indication}",
    "{company} wins {agency} nod for {brand} in {short}",
    "{brand} gets green light for {indication}",
    "{agency} Approval: {generic} for {indication}",
    "Regulators approve {company} {short} drug {brand}",
    "{company} announces {agency} approval of {brand} for {population} {indication}",
    "{generic} approved in {short}, expanding options for patients",
    "New {short} option: {agency} backs {company}'s {klass}",
]
APPROVAL_PARTS = [
    [
        "The {agency} on {weekday} approved {brand} ({generic}), {company}'s {klass}, for "
        "{population} {indication}.",
        "{company} said {weekday} that the {agency} had approved {brand} to treat {population} "
        "{indication}.",
        "{generic}, sold as {brand}, is now approved for {population} {indication}, the {agency} "
        "said.",
        "{company} announced that the {agency} has granted approval to {brand} ({generic}) for "
        "{population} {indication}.",
        "Regulators have signed off on {company}'s {klass} {brand} for {indication}.",
    ],
    [
        "The decision rests on the phase 3 {trial} trial of {n} patients, in which {generic} "
        "cut the risk of {risk_of} by {effect}.",
        "In the {trial} study, {brand} reduced the risk of {risk_of} by {effect} "
        "versus standard care.",
        "Approval was based on results from {trial}, which enrolled {n} patients.",
        "Data from the pivotal {trial} trial showed a {effect} reduction in risk compared with "
        "placebo.",
    ],
    [
        "The most common side effects were {ae1} and {ae2}.",
        "Common adverse reactions included {ae1} and {ae2}.",
        "Side effects seen in the trial included {ae1} and {ae2}.",
    ],
    [
        '"This approval gives patients a new option," said {person} of {inst}, an investigator '
        "in the trial.",
        "{person}, who led the study at {inst}, called the approval an important step for "
        "patients with {short}.",
    ],
    [
        "{company} did not disclose a price but said the drug would be available within weeks.",
        "The company said it expects the drug to reach pharmacies shortly.",
    ],
]


def approval_writer(facts: dict[str, object]) -> Writer:
    def write(rng: random.Random, source: str) -> tuple[str, str]:
        title = pick(rng, APPROVAL_TITLES, **facts)
        if source in WIRES:
            body = compose(rng, APPROVAL_PARTS, 5, **facts)
            return title, body + " " + COMPANY_BOILERPLATE.format(**facts)
        keep = 1 if source in ("ap-health", "healthday") else rng.randint(2, 4)
        return title, compose(rng, APPROVAL_PARTS, keep, **facts)

    return write


FOLLOWUP_TITLES = [
    "{brand} launches in the US at a list price of ${price} a month",
    "{company} sets ${price} list price for newly approved {brand}",
    "Insurers weigh coverage of {company}'s {brand} after approval",
    "Doctors say access to {brand} for {short} will hinge on payers",
]
FOLLOWUP_PARTS = [
    [
        "{company} said on {weekday} that {brand} ({generic}), approved last week for "
        "{indication}, is now available at a list price of ${price} per month.",
        "A week after the {agency} approved {brand} for {indication}, {company} set a list price "
        "of ${price} a month and said most commercial insurers are reviewing coverage.",
        "Physicians treating {short} say payer restrictions, not supply, will decide how quickly "
        "patients get {brand}, which was approved last week.",
    ],
    [
        "The company said a patient assistance program would cap out-of-pocket costs.",
        "Analysts expect peak sales above $2 billion.",
        "{person} of {inst} said prior-authorization rules are likely.",
    ],
]


def followup_writer(facts: dict[str, object]) -> Writer:
    def write(rng: random.Random, source: str) -> tuple[str, str]:
        return pick(rng, FOLLOWUP_TITLES, **facts), compose(rng, FOLLOWUP_PARTS, 2, **facts)

    return write


def trial_facts(rng: random.Random, drug: Drug) -> dict[str, object]:
    brand, generic, company, klass, area = drug
    indication, short, population = indication_for(rng, area)
    endpoint, endpoint_short, risk_of = rng.choice(ENDPOINTS[area])
    hr = rng.randint(52, 86)
    return {
        "brand": brand, "generic": generic, "company": company, "klass": klass,
        "indication": indication, "short": short, "population": population,
        "trial": f"{rng.choice(TRIAL_PREFIXES)}-{rng.randint(2, 999)}", "nct": nct(rng),
        "phase": rng.choice(["phase 3", "phase 3", "phase 2"]), "n": rng.randint(200, 5000),
        "endpoint": endpoint, "endpoint_short": endpoint_short, "risk_of": risk_of, "hr": f"0.{hr}",
        "effect": pct(rng, 100 - hr), "months1": rng.randint(6, 30), "ae1": rng.choice(AES),
        "months2": rng.randint(3, 18), "conference": rng.choice(CONFERENCES),
        "person": rng.choice(PEOPLE), "inst": rng.choice(INSTITUTIONS),
        "weekday": rng.choice(WEEKDAYS),
    }  # fmt: skip


TRIAL_TITLES = [
    "{brand} improves {endpoint_short} in {phase} {trial} trial",
    "{company}'s {generic} hits primary endpoint in {short} study",
    "{trial}: {generic} cuts risk by {effect} in {indication}",
    "{brand} extends {endpoint_short} in {indication}, {trial} data show",
    "{company} touts {trial} win for {brand} at {conference}",
    "{generic} beats standard care in {short} trial",
    "Positive topline results for {brand} in {phase} {trial} study",
    "{short}: {brand} reduces risk of {risk_of} by {effect}",
    "Study: {company} drug {brand} improves {endpoint_short} for {short} patients",
]
TRIAL_PARTS = [
    [
        "{company} said its {klass} {brand} ({generic}) met the primary endpoint of {endpoint} "
        "in the {phase} {trial} trial in {population} {indication}.",
        "In the {phase} {trial} study ({nct}), {generic} significantly improved {endpoint} "
        "compared with standard therapy in {indication}.",
        "Results from {trial}, presented at {conference}, showed {brand} reduced the risk of "
        "{risk_of} by {effect} (hazard ratio {hr}).",
        "{generic} lowered the risk of the primary endpoint by {effect} in {trial}, a {phase} "
        "trial of {n} patients with {indication}, {company} reported.",
    ],
    [
        "The hazard ratio was {hr}; median {endpoint_short} was {months1} months versus "
        "{months2} months.",
        "Median {endpoint_short} reached {months1} months with {brand} compared with {months2} "
        "months in the control arm.",
        "The trial enrolled {n} patients across 30 countries.",
        "The study, registered as {nct}, randomized {n} participants.",
    ],
    [
        "Grade 3 or higher adverse events were more common with {generic}, led by {ae1}.",
        "No new safety signals were seen; {ae1} was the most frequent side effect.",
    ],
    [
        '"These are practice-changing results," said {person} of {inst}, the lead investigator.',
        "{person} of {inst}, who presented the data, said the benefit was consistent across "
        "subgroups.",
        "The findings were published simultaneously in the New England Journal of Medicine.",
    ],
    [
        "{company} plans to file for approval with regulators later this year.",
        "The company said it will discuss the data with the FDA.",
    ],
]


def trial_writer(facts: dict[str, object]) -> Writer:
    def write(rng: random.Random, source: str) -> tuple[str, str]:
        title = pick(rng, TRIAL_TITLES, **facts)
        if source in WIRES:
            body = compose(rng, TRIAL_PARTS, 5, **facts)
            return title, body + " " + COMPANY_BOILERPLATE.format(**facts)
        if source in JOURNALS:
            return (
                "{generic} versus standard therapy in {indication} ({trial})".format(**facts),
                "Background: We conducted the {phase} {trial} trial ({nct}) of {generic} in "
                "{population} {indication}. Methods: {n} patients were randomly assigned. "
                "Results: {endpoint} favored {generic} (hazard ratio, {hr}); median "
                "{endpoint_short}, {months1} vs {months2} months. {ae1} was the most common "
                "adverse event. Conclusions: {generic} significantly improved {endpoint}.".format(
                    **facts
                ),
            )
        return title, compose(rng, TRIAL_PARTS, rng.randint(2, 4), **facts)

    return write


DISEASES = [
    ("measles", "measles cases"), ("mpox", "mpox infections"), ("dengue", "dengue cases"),
    ("H5N1 bird flu", "human H5N1 infections"), ("Legionnaires' disease", "Legionnaires' cases"),
    ("cholera", "cholera cases"), ("Marburg virus disease", "Marburg cases"),
    ("pertussis", "whooping cough cases"), ("West Nile virus", "West Nile infections"),
    ("salmonella", "salmonella illnesses"), ("listeria", "listeria infections"),
    ("Oropouche virus", "Oropouche cases"), ("polio", "polio cases"),
]  # fmt: skip
PLACES = [
    "West Texas", "Ontario", "southern Ethiopia", "the Democratic Republic of Congo", "Ohio",
    "New York City", "Rwanda", "Bavaria", "Queensland", "Punjab", "Minnesota", "Chile", "Utah",
    "Bangladesh", "Colorado", "Lombardy",
]  # fmt: skip


def outbreak_facts(rng: random.Random) -> dict[str, object]:
    disease, cases_word = rng.choice(DISEASES)
    cases = rng.randint(12, 900)
    return {
        "disease": disease, "cases_word": cases_word, "place": rng.choice(PLACES),
        "cases": cases, "cases2": cases + rng.randint(9, 140), "deaths": rng.randint(0, 9),
        "agency": rng.choice(["CDC", "WHO", "state health officials", "public health officials"]),
        "weekday": rng.choice(WEEKDAYS), "person": rng.choice(PEOPLE),
        "hosp": rng.randint(3, 60), "age": rng.choice(["children", "unvaccinated children",
        "older adults", "adults over 65", "health care workers"]),
    }  # fmt: skip


OUTBREAK_TITLES = [
    "{disease} outbreak in {place} grows to {cases} cases",
    "{place} {disease} outbreak: {cases} cases, {deaths} deaths reported",
    "Officials report {cases} {cases_word} in {place}",
    "{disease} cases climb in {place} as officials urge vaccination",
    "{agency} tracking {disease} cluster in {place}",
    "{place} confirms {cases} {cases_word}, most among {age}",
]
OUTBREAK_PARTS = [
    [
        "{agency} said on {weekday} that the {disease} outbreak in {place} has reached {cases} "
        "cases, including {deaths} deaths.",
        "The number of {cases_word} linked to an outbreak in {place} rose to {cases}, {agency} "
        "reported {weekday}.",
        "Health officials in {place} have confirmed {cases} {cases_word} since the outbreak "
        "began, with {deaths} deaths.",
    ],
    [
        "{hosp} people have been hospitalized, most of them {age}.",
        "Most cases are among {age}; {hosp} patients required hospital care.",
        "Officials said {hosp} hospitalizations have been recorded.",
    ],
    [
        '"We expect more cases in the coming weeks," said {person}, the regional epidemiologist.',
        "{person}, an epidemiologist, said the outbreak had not yet peaked.",
        "Clinicians were asked to report suspected cases promptly.",
    ],
]
OUTBREAK_UPDATE_TITLES = [
    "{disease} outbreak in {place} grows to {cases2} cases",
    "{place} {disease} cases rise to {cases2}",
    "Officials report {cases2} {cases_word} in {place}",
]
OUTBREAK_UPDATE_PARTS = [
    [
        "{agency} said the {disease} outbreak in {place} has now reached {cases2} cases, up from "
        "{cases} last week.",
        "{cases_word} in the {place} outbreak climbed to {cases2}, officials said, as "
        "vaccination clinics expanded.",
    ],
    [
        "Hospitalizations rose as well, and most cases remain among {age}.",
        "Officials said the pace of new cases has slowed slightly.",
    ],
]


def outbreak_writer(facts: dict[str, object], update: bool = False) -> Writer:
    titles, parts = (
        (OUTBREAK_UPDATE_TITLES, OUTBREAK_UPDATE_PARTS)
        if update
        else (OUTBREAK_TITLES, OUTBREAK_PARTS)
    )

    def write(rng: random.Random, source: str) -> tuple[str, str]:
        return pick(rng, titles, **facts), compose(rng, parts, rng.randint(1, 3), **facts)

    return write


EXPOSURES = [
    ("ultra-processed food", "eating more ultra-processed food"),
    ("coffee", "drinking two to three cups of coffee a day"),
    ("shift work", "working night shifts"),
    ("air pollution", "long-term exposure to fine particulate air pollution"),
    ("daily steps", "walking at least 7,000 steps a day"),
    ("sleep duration", "sleeping fewer than six hours a night"),
    ("artificial sweeteners", "consuming erythritol-sweetened drinks"),
    ("social isolation", "social isolation in older age"),
    ("statin use", "long-term statin use"),
    ("hearing aids", "using hearing aids"),
    ("vitamin D", "taking vitamin D supplements"),
    ("low-dose aspirin", "taking daily low-dose aspirin"),
    ("loneliness", "reported loneliness"),
    ("cannabis use", "daily cannabis use"),
]  # fmt: skip
OUTCOMES = [
    "dementia", "type 2 diabetes", "colorectal cancer", "stroke", "heart attack", "depression",
    "early death", "atrial fibrillation", "kidney stones", "cataracts", "Parkinson's disease",
]  # fmt: skip


def study_facts(rng: random.Random) -> dict[str, object]:
    exposure, exposure_long = rng.choice(EXPOSURES)
    direction = rng.choice(["higher", "lower"])
    return {
        "exposure": exposure, "exposure_long": exposure_long, "outcome": rng.choice(OUTCOMES),
        "direction": direction, "verb": "raises" if direction == "higher" else "lowers",
        "effect": pct(rng, rng.randint(9, 45)),
        "n": f"{rng.randint(12, 480)},{rng.randint(100, 999)}",
        "years": rng.randint(5, 25), "journal": rng.choice(["JAMA", "BMJ", "The Lancet",
        "JAMA Internal Medicine", "Nature Medicine", "Circulation"]), "person": rng.choice(PEOPLE),
        "inst": rng.choice(INSTITUTIONS), "cohort": rng.choice(["UK Biobank", "the Nurses' Health "
        "Study", "a Danish national registry", "the Framingham Heart Study", "a Korean insurance "
        "database", "the Women's Health Initiative"]),
    }  # fmt: skip


STUDY_TITLES = [
    "{exposure} linked to {direction} risk of {outcome}, study finds",
    "Study ties {exposure} to {outcome} risk",
    "{exposure_long} {verb} {outcome} risk by {effect}, research suggests",
    "Large study finds {exposure} associated with {outcome}",
    "Could {exposure} affect your risk of {outcome}?",
    "{outcome} risk {direction} with {exposure}: {journal} study",
]
STUDY_PARTS = [
    [
        "People {exposure_long} had a {effect} {direction} risk of {outcome}, according to a "
        "study of {n} adults published in {journal}.",
        "A study in {journal} of {n} participants from {cohort} found that {exposure_long} was "
        "associated with a {effect} {direction} risk of developing {outcome}.",
        "Researchers following {n} people for {years} years found {exposure_long} was tied to a "
        "{effect} {direction} likelihood of {outcome}.",
    ],
    [
        "Participants from {cohort} were followed for a median of {years} years.",
        "The analysis adjusted for age, smoking, income and body mass index.",
        "The association held after adjusting for diet, exercise and other health factors.",
    ],
    [
        '"This is an observational study, so we cannot prove cause and effect," said {person} '
        "of {inst}.",
        "{person} of {inst}, the senior author, cautioned that the study shows association, not "
        "causation.",
        "Outside experts said randomized trials are needed before changing advice.",
    ],
]


def study_writer(facts: dict[str, object]) -> Writer:
    def write(rng: random.Random, source: str) -> tuple[str, str]:
        if source in JOURNALS:
            return (
                "Association of {exposure} with incident {outcome}: a prospective cohort "
                "study".format(**facts),
                "Importance: The relation between {exposure} and {outcome} is uncertain. Design: "
                "Prospective cohort of {n} adults from {cohort}, median follow-up {years} years. "
                "Results: {exposure_long} was associated with a {effect} {direction} risk of "
                "{outcome} after multivariable adjustment. Conclusions: {exposure} was "
                "associated with {outcome} risk.".format(**facts),
            )
        return pick(rng, STUDY_TITLES, **facts), compose(
            rng, STUDY_PARTS, rng.randint(1, 3), **facts
        )

    return write


PRODUCTS = [
    ("insulin pumps", "a software fault that can stop insulin delivery"),
    ("blood glucose meters", "falsely high readings"),
    ("eye drops", "possible bacterial contamination"),
    ("infant formula", "possible Cronobacter contamination"),
    ("heart pumps", "a risk of the device's outflow graft twisting"),
    ("CPAP machines", "degrading sound-abatement foam"),
    ("blood pressure tablets", "a cancer-causing nitrosamine impurity"),
    ("infusion pumps", "a battery defect that can cause the pump to shut down"),
    ("surgical staplers", "misfiring staples"),
    ("ADHD tablets", "the wrong strength printed on bottles"),
]  # fmt: skip
MAKERS = ["Medtronic", "Abbott", "Baxter", "Philips", "Teva", "Sandoz", "Cardinal Health",
          "B. Braun", "Zydus", "Boston Scientific", "Becton Dickinson", "Perrigo"]  # fmt: skip


def recall_facts(rng: random.Random) -> dict[str, object]:
    product, reason = rng.choice(PRODUCTS)
    return {
        "product": product, "reason": reason, "maker": rng.choice(MAKERS),
        "units": f"{rng.randint(2, 900)},{rng.randint(100, 999)}", "injuries": rng.randint(0, 40),
        "klass": rng.choice(["Class I", "Class II"]), "weekday": rng.choice(WEEKDAYS),
    }  # fmt: skip


RECALL_TITLES = [
    "{maker} recalls {product} over {reason}",
    "FDA: {maker} {product} recall is most serious type",
    "{units} {product} recalled due to {reason}",
    "{maker} pulls {product} from market",
    "{klass} recall: {maker} {product}",
]
RECALL_PARTS = [
    [
        "{maker} is recalling {units} {product} because of {reason}, the FDA said {weekday}.",
        "The FDA announced a {klass} recall of {maker} {product} after reports of {reason}.",
        "{maker} has pulled {units} {product} from U.S. distribution, citing {reason}.",
    ],
    [
        "The company has received {injuries} reports of injuries.",
        "{injuries} injuries and no deaths have been reported.",
        "Patients should not stop using the device without talking to their doctor.",
    ],
]


def recall_writer(facts: dict[str, object]) -> Writer:
    def write(rng: random.Random, source: str) -> tuple[str, str]:
        return pick(rng, RECALL_TITLES, **facts), compose(
            rng, RECALL_PARTS, rng.randint(1, 2), **facts
        )

    return write


GUIDELINES = [
    ("ACC and AHA", "hypertension", "start medication at a blood pressure of 130/80 mm Hg"),
    ("USPSTF", "breast cancer screening", "begin mammograms every other year at age 40"),
    ("ADA", "type 2 diabetes", "consider GLP-1 drugs early for patients with obesity"),
    ("ACIP", "RSV vaccination", "offer a single RSV shot to all adults 75 and older"),
    ("USPSTF", "colorectal cancer screening", "start screening at 45"),
    ("IDSA", "Lyme disease", "use a single dose of doxycycline after high-risk tick bites"),
    ("ESC", "atrial fibrillation", "use anticoagulants based on stroke risk, not rhythm"),
    ("AAP", "infant peanut allergy", "introduce peanut foods around 4 to 6 months"),
    ("ACOG", "prenatal depression", "screen all pregnant patients at least once"),
    ("KDIGO", "chronic kidney disease", "add an SGLT2 inhibitor for most patients"),
]  # fmt: skip


def guideline_facts(rng: random.Random) -> dict[str, object]:
    body, topic, advice = rng.choice(GUIDELINES)
    return {"body": body, "topic": topic, "advice": advice, "year": rng.choice([2025, 2026]),
            "person": rng.choice(PEOPLE), "journal": rng.choice(["JAMA", "Circulation",
            "Pediatrics", "Diabetes Care"])}  # fmt: skip


GUIDELINE_TITLES = [
    "{body} issues new {topic} guideline",
    "New {topic} guidance: {advice}",
    "{body} now says to {advice}",
    "Updated {topic} recommendations from {body}",
    "{topic}: experts {advice}, new guideline says",
]
GUIDELINE_PARTS = [
    [
        "The {body} released updated {topic} guidance that recommends clinicians {advice}.",
        "Under a new {body} guideline on {topic}, doctors should {advice}.",
        "New {topic} recommendations published in {journal} advise clinicians to {advice}.",
    ],
    [
        "The update replaces guidance issued several years ago.",
        '"The evidence has changed," said {person}, who chaired the writing committee.',
        "The recommendations were published in {journal}.",
    ],
]


def guideline_writer(facts: dict[str, object]) -> Writer:
    def write(rng: random.Random, source: str) -> tuple[str, str]:
        return pick(rng, GUIDELINE_TITLES, **facts), compose(rng, GUIDELINE_PARTS, 2, **facts)

    return write


# --- the set ---------------------------------------------------------------------


def coverage_sources(rng: random.Random, count: int, first: Sequence[str]) -> list[str]:
    """Who covers a story: an originating source, then distinct outlets."""
    sources = [rng.choice(first)]
    pool = [s for s in NEWS + WIRES + SOCIETIES if s not in sources]
    return sources + rng.sample(pool, count - 1)


def coverage(
    rng: random.Random,
    story: str,
    writer: Writer,
    when: datetime,
    sources: Sequence[str],
    kind: str,
) -> list[Row]:
    rows = []
    for index, source in enumerate(sources):
        lag = timedelta(0) if index == 0 else timedelta(minutes=rng.randint(20, 60 * 52))
        title, summary = writer(rng, source)
        row_kind = "article" if source in JOURNALS else kind
        rows.append(Row(story, title, summary, source, when + lag, row_kind))
    return rows


def event_time(rng: random.Random) -> datetime:
    return START + timedelta(days=rng.randint(0, 40), minutes=rng.randint(6 * 60, 20 * 60))


def stories(rng: random.Random) -> list[Row]:
    rows: list[Row] = []
    drugs = list(DRUGS)
    rng.shuffle(drugs)
    serial = iter(range(10_000))

    seen: set[tuple[object, ...]] = set()

    def fresh(make: Callable[[random.Random], dict[str, object]], *key: str) -> dict[str, object]:
        """A manufacturer recalls one product once, a body issues one guideline once."""
        while True:
            facts = make(rng)
            if (identity := tuple(facts[k] for k in key)) not in seen:
                seen.add(identity)
                return facts

    def fresh_recall() -> dict[str, object]:
        return fresh(recall_facts, "maker", "product")

    def fresh_guideline() -> dict[str, object]:
        return fresh(guideline_facts, "body", "topic")

    def label(prefix: str) -> str:
        return f"{prefix}-{next(serial):03d}"

    def covered(
        writer: Writer, when: datetime, first: Sequence[str], kind: str = "news", count: int = 0
    ) -> None:
        count = count or rng.choice([1, 2, 2, 3, 3, 4, 4, 5, 6, 8])
        rows.extend(
            coverage(rng, label("story"), writer, when, coverage_sources(rng, count, first), kind)
        )

    for drug in drugs[:18]:  # approvals, a third with a launch follow-up days later
        facts = approval_facts(rng, drug)
        when = event_time(rng)
        covered(approval_writer(facts), when, ("fda-press", "fda-press", *WIRES))
        if rng.random() < 0.4:
            later = when + timedelta(days=rng.randint(3, 8), hours=rng.randint(0, 10))
            covered(followup_writer(facts), later, NEWS)
    for drug in drugs[6:28]:  # trial readouts; some drugs read out two trials the same day
        facts = trial_facts(rng, drug)
        when = event_time(rng)
        covered(trial_writer(facts), when, WIRES + JOURNALS[:2] + ("statnews",))
        if rng.random() < 0.5:
            twin = trial_facts(rng, drug) | {
                "conference": facts["conference"],
                "weekday": facts["weekday"],
            }
            covered(trial_writer(twin), when + timedelta(minutes=rng.randint(0, 240)), WIRES + NEWS)
    for _ in range(16):  # outbreaks, some with an update days later
        facts = outbreak_facts(rng)
        when = event_time(rng)
        covered(outbreak_writer(facts), when, ("cdc-newsroom", "who-news", "cidrap"))
        if rng.random() < 0.4:
            later = when + timedelta(days=rng.randint(3, 7))
            covered(outbreak_writer(facts, update=True), later, ("cidrap", "ap-health"))
    for _ in range(22):
        covered(study_writer(study_facts(rng)), event_time(rng), JOURNALS + NEWS)
    for _ in range(12):
        covered(recall_writer(fresh_recall()), event_time(rng), ("fda-press", *NEWS))
    for _ in range(9):
        covered(guideline_writer(fresh_guideline()), event_time(rng), SOCIETIES + NEWS)
    for drug in drugs:  # items nobody else covered: a trial update per drug, alone
        covered(trial_writer(trial_facts(rng, drug)), event_time(rng), WIRES + NEWS, count=1)
    for _ in range(14):
        covered(study_writer(study_facts(rng)), event_time(rng), JOURNALS + NEWS, count=1)
        covered(outbreak_writer(outbreak_facts(rng)), event_time(rng), NEWS, count=1)
    for _ in range(8):
        covered(recall_writer(fresh_recall()), event_time(rng), NEWS, count=1)
    return rows


DIGEST_TITLES = [
    ("jama-cardiology", "This week in cardiology"),
    ("nejm", "This Week in the Journal"),
    ("medpage-today", "Weekly roundup"),
    ("statnews", "In the news"),
    ("healio", "Top stories of the week"),
    ("bmj", "This week in The BMJ"),
]


def recurring(rng: random.Random, rows: Sequence[Row]) -> list[Row]:
    """Digests, corrections and podcasts: recurring titles over different content, singletons."""
    out = []
    serial = iter(range(10_000))
    for source, title in DIGEST_TITLES:
        for week in range(rng.randint(3, 5)):
            picked = rng.sample(list(rows), 3)
            summary = "In this issue: " + "; ".join(row.title for row in picked) + "."
            when = START + timedelta(weeks=week, days=rng.randint(0, 2), hours=9)
            out.append(Row(f"digest-{next(serial):03d}", title, summary, source, when, "news"))
    for number in range(rng.randint(6, 9)):
        row = rng.choice(list(rows))
        when = row.published + timedelta(hours=rng.randint(3, 40))
        summary = (
            f'An earlier version of this story, "{row.title}", misstated a figure. The story has '
            "been updated."
        )
        out.append(Row(f"correction-{number:03d}", "Correction", summary, row.source, when, "news"))
    for episode in range(rng.randint(5, 8)):
        row = rng.choice(list(rows))
        when = START + timedelta(days=5 * episode + 1, hours=6)
        out.append(
            Row(
                f"podcast-{episode:03d}",
                f"Podcast episode {episode + 12}",
                f"This week we discuss {row.title.lower()} and answer listener questions.",
                "medscape",
                when,
                "video",
            )
        )
    return out


SEED = 20261101


def build(seed: int = SEED) -> list[dict[str, object]]:
    rng = random.Random(seed)
    rows = stories(rng)
    rows += recurring(rng, rows)
    rows.sort(key=lambda row: (row.published, row.source, row.title))
    return [
        {
            "id": index,
            "story": row.story,
            "title": row.title,
            "summary": row.summary,
            "source": row.source,
            "label": LABELS[row.source],
            "published": row.published.isoformat().replace("+00:00", "Z"),
            "kind": row.kind,
        }
        for index, row in enumerate(rows, start=1)
    ]


def main() -> None:
    """Write the committed set; ``story_set.py SEED PATH`` writes a held-out set instead."""
    seed, out = (int(sys.argv[1]), Path(sys.argv[2])) if len(sys.argv) > 2 else (SEED, OUT)
    records = build(seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    sizes: dict[object, int] = {}
    for record in records:
        sizes[record["story"]] = sizes.get(record["story"], 0) + 1
    multi = sum(1 for size in sizes.values() if size > 1)
    single = sum(1 for size in sizes.values() if size == 1)
    print(f"{len(records)} items, {multi} multi-item stories, {single} singletons -> {out}")


if __name__ == "__main__":
    main()
