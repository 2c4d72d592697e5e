"""Words of medical news whose meaning the near-duplicate matcher needs to know.

(Not the specialty keywords of ``aggregator.vocabulary``, which tag items; these
tables only tell ``aggregator.dedupe`` which wordings say one thing.)

Small, hand-written tables, kept apart from the matching rules
(``aggregator.dedupe``) so that what they say can be read and reviewed as
lists:

* ``AUTHORITIES``: the regulators, public-health agencies and general medical
  journals that headlines name as the source of the news ("FDA approves ...",
  "..., NEJM study finds"), and the agencies whose actions make health news of
  their own (USDA on animal outbreaks, FTC on drug pricing, DEA on controlled
  drugs). Two headlines naming different ones report
  different decisions or papers (an FDA approval and an EMA opinion on one drug
  are two stories). ``ADVISES`` adds the agency a committee advises, which
  headlines name for the committee's vote ("ACIP backs ..." / "CDC vaccine
  advisers vote ...").
* ``BODY_SUBSTANCES``: words the drug dictionary lists that headlines use
  for what is measured or eaten ("cholesterol", "iron"), not for a drug given.
* ``EVENTS``: what kind of thing happened, as headlines word it: a deal, a
  layoff, a strike, a data breach, a lawsuit or a court's ruling, a hearing, a
  recall, a forecast, a shortage, an approval. One company's strike and its
  data breach in one week share the company, its places and its people; a
  headline names the event; a drug's approval and a patent ruling on it are two
  stories. (Not a trial result or a price: a rewrite headlines either for one
  launch.)
* ``EQUIVALENTS``: the plain-language and the clinical name of one thing
  ("heart attack" / "myocardial infarction", "under the skin" /
  "subcutaneous", "kidney" / "renal") and British and American spellings
  ("tumour" / "tumor"). A consumer outlet rewrites a journal's or a
  regulator's wording into lay terms, so a rewrite shares the concept, not
  the words. ``concepts`` names the concepts a text mentions, one term per
  group, which the matcher adds to the words it already has (the words stay:
  abbreviations are matched on their initials).
* ``spellings``: a word's British and American spellings, which search reads
  as one word ("tumour" finds "tumor", "centre" finds "center"). Three sources,
  the first that knows the word deciding: ``SPELLINGS``, medical stems the word
  list lacks or gets wrong, written as the part of the word that differs, so
  that one line covers a word's inflections and derivatives ("anaes":
  anaesthesia, anaesthetic, anaesthetist); then the word list of the ``breame``
  package (~1,700 general words and their inflections: colour, centre,
  programme, analyse, manoeuvre, fibre, grey, licence), less the pairs whose
  American word also means something else (``NOT_SPELLINGS``: tire/tyre,
  draft/draught, ton/tonne); then the regular endings (``ENDINGS``): -ise/-isation as
  -ize/-ization (catheterisation), -yse as -yze (dialyse), but for the words
  that end so in both (advise, exercise, size). Not the pairs of
  ``EQUIVALENTS``: those groups also hold lay words ("tumour" sits with
  "cancer"), which a search must not swap.
* ``search_equivalents``: the other ways ``EQUIVALENTS`` gives of saying a
  searched word or phrase, which search also looks for ("flu" finds
  "influenza", "heart attack" finds "myocardial infarction"); not the groups
  of ``NOT_SEARCHED``, whose words are broader or narrower than each other
  ("cancer" / "tumour", "cut" / "lower", "children" / "pediatric"): a match
  the reader did not ask for.

No registry package ships a lay-to-clinical vocabulary that installs without
downloading data at run time (the Consumer Health Vocabulary and MeSH entry
terms come with UMLS, under its own licence), so ``EQUIVALENTS`` is written by
hand from the plain-language equivalents that MedlinePlus (medlineplus.gov,
"Understanding Medical Words") and the NIH plain-language guidance ("Clear
Communication: Plain Language", nih.gov) give. Each group is a pair an editor
would accept in a headline rewrite; a word that means several things
("attack", "failure") is only listed inside a phrase.

It does not find names in free text beyond whole-word and phrase lookups, and
it does not learn.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from functools import lru_cache

# Written in capitals in headlines; matched only when so written ("NICE" the
# institute, not "nice"; "WHO" the organisation, not "who").
AUTHORITIES = frozenset(
    """FDA EMA MHRA CDC ECDC WHO NIH NICE CMS HHS TGA PMDA CHMP ACIP USPSTF NEJM JAMA BMJ
    USDA FTC DEA UKHSA""".split()
)

# Substances the drug dictionary (``aggregator.drugs``) lists that a headline mostly names
# as what is measured, eaten or made by the body ("cholesterol shot", "iron levels"), not
# as the drug given: they never tell two headlines' drugs apart.
BODY_SUBSTANCES = frozenset(
    """cholesterol glucose oxygen iron calcium potassium sodium magnesium zinc copper caffeine
    ethanol nicotine melatonin testosterone estrogen estradiol progesterone dopamine serotonin
    histamine epinephrine fluoride urea creatinine hemoglobin collagen""".split()
)

# One line per kind of event: its name, then headline terms that name it (as the matcher
# has them: lower case, singular, adjacent words joined by "_"); a long list goes on a
# second line under the same name.
EVENTS = """
deal: acquire acquisition buy buyout takeover merger merge deal
layoff: layoff lay_off job restructure restructuring workforce
strike: strike walkout picket
breach: breach hack hacked cyberattack ransomware
lawsuit: sue lawsuit suit litigation settle settlement
lawsuit: patent judge court ruling infringe infringement verdict jury
hearing: hearing testify testimony grilling
recall: recall
forecast: forecast guidance earning revenue profit
shortage: shortage
approval: approve
"""

# One line per concept: its name, then ways of saying it, "|"-separated (a long
# list goes on a second line under the same name).
EQUIVALENTS = """
myocardial_infarction: heart attack | myocardial infarction
hypertension: high blood pressure | hypertension | hypertensive
hypotension: low blood pressure | hypotension
stroke: stroke | brain attack | cerebrovascular accident
cardiac_arrest: cardiac arrest | heart stopped | sudden cardiac death
arrhythmia: irregular heartbeat | arrhythmia | heart rhythm disorder
atrial_fibrillation: afib | a fib | atrial fibrillation
blood_clot: blood clot | thrombosis | thromboembolism
anticoagulant: blood thinner | anticoagulant
hypercholesterolemia: high cholesterol | hypercholesterolemia | hypercholesterolaemia
hyperglycemia: high blood sugar | hyperglycemia | hyperglycaemia
hypoglycemia: low blood sugar | hypoglycemia | hypoglycaemia
glucose: blood sugar | blood glucose
atherosclerosis: hardening of the arteries | atherosclerosis
osteoporosis: bone thinning | thinning bones | osteoporosis
subcutaneous: under the skin | subcutaneous | subcutaneously
intravenous: into a vein | intravenous | intravenously | infusion
oral: by mouth | oral | orally | pill | tablet
injection: shot | jab | injection | injectable | injected
vaccine: vaccine | vaccination | vaccinated | immunization | immunisation | jab
kidney: kidney | renal
liver: liver | hepatic
lung: lung | pulmonary
stomach: stomach | gastric
obesity: obesity | obese | weight loss | anti obesity
flu: flu | influenza
bird_flu: bird flu | avian influenza | avian flu
covid: covid | covid 19 | coronavirus | sars cov 2
pertussis: whooping cough | pertussis
varicella: chickenpox | chicken pox | varicella
zoster: shingles | herpes zoster
rubella: german measles | rubella
tuberculosis: tb | tuberculosis
conjunctivitis: pink eye | conjunctivitis
gastroenteritis: stomach flu | stomach bug | gastroenteritis
allergic_rhinitis: hay fever | allergic rhinitis
painkiller: painkiller | analgesic
contraception: birth control | contraception | contraceptive
cesarean: c section | cesarean | caesarean
periodontitis: gum disease | periodontitis | periodontal disease
caries: tooth decay | dental caries | cavities
colorectal_cancer: bowel cancer | colorectal cancer | colon cancer
endometrial_cancer: womb cancer | uterine cancer | endometrial cancer
cancer: cancer | malignancy | malignant | tumour | tumor
death: death | died | mortality | fatal | fatality
preterm: premature birth | preterm birth | born early | preterm
hemorrhage: bleeding | haemorrhage | hemorrhage | bleed
anemia: anaemia | anemia | anaemic | anemic
leukemia: leukaemia | leukemia
pediatric: paediatric | pediatric | children
antimicrobial_resistance: superbug | drug resistant | antibiotic resistant
antimicrobial_resistance: antimicrobial resistance | antimicrobial resistant
esophageal: oesophageal | esophageal
randomized: randomised | randomized
reduce: cut | cuts | reduce | reduces | reduced | lower | lowers | lowered
reduce: decrease | decreases | slash | slashes | halve | halves
increase: raise | raises | raised | increase | increases | increased | boost | boosts | higher
link: linked | tied | ties | associated | association
hospitalization: hospitalisation | hospitalization | hospital admission
hospitalization: hospitalised | hospitalized
"""

# Groups of ``EQUIVALENTS`` that search does not expand (``search_equivalents``): their
# ways of saying it are not one meaning ("pill" / "oral", "jab" / "vaccination", "weight
# loss" / "obesity", "infusion" / "intravenous"), or are everyday words ("cut", "linked").
NOT_SEARCHED = frozenset(
    """reduce increase link death cancer pediatric oral injection vaccine intravenous
    obesity""".split()
)

# One line per British spelling: the part of a word that differs, then the American part
# ("^": only at the start of a word, "$": only at its end; elsewhere it may sit inside one,
# as in "hypoglycaemia"). Each American part is specific enough that a word holding it
# by chance is rare: such a word only gains a spelling no text has.
SPELLINGS = """
^tumour ^tumor
^anaes ^anes
^haem ^hem
^anaem ^anem
^leukaem ^leukem
^ischaem ^ischem
^uraem ^urem
glycaem glycem
septicaem septicem
bacteraem bacterem
viraem virem
toxaem toxem
lipidaem lipidem
cholesterolaem cholesterolem
kalaem kalem
natraem natrem
calcaem calcem
^paed ^ped
^orthopaed ^orthoped
^gynaec ^gynec
^caesar ^cesar
^aetiolog ^etiolog
^oesophag ^esophag
^oedem ^edem
^oestr ^estr
^foet ^fet
^coeliac ^celiac
rrhoea$ rrhea$
pnoea$ pnea$
^behaviour ^behavior
^labour ^labor
^sulph ^sulf
^titre ^titer
"""

# British words of ``breame``'s list (and their inflections, by prefix) whose American
# spelling is also another word: a search for "tire" (to tire) or "draft guidance" must not
# look for "tyre" or "draught".
NOT_SPELLINGS = ("tyre", "draught", "tonne", "philtre", "groyne", "gaug")

# The regular endings: -ise/-isation/-yse are -ize/-ization/-yze in American. A word of
# several such endings is respelt once, at its end.
SUFFIXES = "e|es|ed|ing|er|ers|ation|ations|able"
ENDINGS = rf"(is|iz|ys|yz)({SUFFIXES})$"
# Words that end so in both spellings ("ENDINGS" would misspell them), by their beginning
# up to the ending: "advis" for advise, advises, advised; "wis" for otherwise, likewise.
SAME_IN_BOTH = re.compile(
    r"^(?:re|un|dis|mis|pre|over|under|up|sun|a|ap|counter|sur)?(?:"
    r"advis|devis|vis|supervis|televis|improvis|exercis|excis|incis|circumcis|precis|concis"
    r"|promis|compromis|premis|pris|enterpris|franchis|enfranchis|merchandis|expertis"
    r"|chastis|compris|despis|guis|disguis|demis|treatis|rais|prais|ris|nois|pois|cruis"
    r"|bruis|anis|chemis|valis|mortis|advertis|paradis|tortois|porpois|turquois|lys"
    r"|wis|cris|iris|siz|capsiz|downsiz|supersiz|priz|seiz|maiz|baiz"
    rf")(?:{SUFFIXES})$|.*wis(?:e|es)$"
)

# A committee and the agency it advises: headlines name either for the committee's vote
# ("ACIP backs ..." / "CDC vaccine advisers vote ...").
ADVISES = {"ACIP": "CDC", "CHMP": "EMA"}


def authorities(words: Iterable[str]) -> frozenset[str]:
    """The authorities among raw (as-written) words, with the agency a committee advises."""
    found = {word for word in words if word in AUTHORITIES}
    return frozenset(found | {ADVISES[word] for word in found if word in ADVISES})


def events(headline_terms: AbstractSet[str]) -> frozenset[str]:
    """The kinds of event (``EVENTS``) a headline's terms name."""
    return frozenset(
        name for name, terms in _events().items() if not terms.isdisjoint(headline_terms)
    )


@lru_cache(maxsize=1)
def _events() -> dict[str, frozenset[str]]:
    table: dict[str, frozenset[str]] = {}
    for line in EVENTS.strip().splitlines():
        name, _, terms = line.partition(":")
        table[name.strip()] = table.get(name.strip(), frozenset()) | frozenset(terms.split())
    return table


def concepts(words: Sequence[str]) -> frozenset[str]:
    """The concepts that ``words`` (raw words, hyphens split) mention, as "=name" terms."""
    table, longest = _phrases()
    firsts = _first_keys()
    keys = list(map(_key, words))
    found: set[str] = set()
    for start, first in enumerate(keys):
        if first not in firsts:  # most words begin no phrase
            continue
        for length in range(1, min(longest, len(keys) - start) + 1):
            names = table.get(tuple(keys[start : start + length]))
            if names:
                found.update(names)
    return frozenset(found)


@lru_cache(maxsize=1)
def _first_keys() -> frozenset[str]:
    return frozenset(phrase[0] for phrase in _phrases()[0])


@lru_cache(maxsize=1 << 16)
def _key(word: str) -> str:
    """Case, a possessive and a plural ``s`` do not change a word's meaning here."""
    word = word.casefold()
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    return word


@lru_cache(maxsize=1)
def _phrases() -> tuple[dict[tuple[str, ...], frozenset[str]], int]:
    """Phrase (as keys) -> the concept terms it names; and the longest phrase's length."""
    table: dict[tuple[str, ...], set[str]] = {}
    for line in EQUIVALENTS.strip().splitlines():
        name, _, variants = line.partition(":")
        for variant in variants.split("|"):
            phrase = tuple(_key(word) for word in variant.split())
            table.setdefault(phrase, set()).add(f"={name.strip()}")
    return {k: frozenset(v) for k, v in table.items()}, max(len(k) for k in table)


def search_equivalents(words: Sequence[str]) -> tuple[tuple[str, ...], ...]:
    """The other ways ``EQUIVALENTS`` says the phrase ``words`` (as a whole, case, a
    plural ``s`` and a possessive aside), as written there: "flu" -> (("influenza",),);
    none for a phrase of a ``NOT_SEARCHED`` group or of no group."""
    return _search_groups().get(tuple(map(_key, words)), ())


def longest_phrase() -> int:
    """The number of words of the longest way ``EQUIVALENTS`` says something."""
    return _phrases()[1]


@lru_cache(maxsize=1)
def _search_groups() -> dict[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """Phrase (as keys) -> the other phrases of its searched groups, in the table's order."""
    groups: dict[str, list[tuple[str, ...]]] = {}
    for line in EQUIVALENTS.strip().splitlines():
        name, _, variants = line.partition(":")
        if name.strip() not in NOT_SEARCHED:
            groups.setdefault(name.strip(), []).extend(
                tuple(variant.split()) for variant in variants.split("|")
            )
    table: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    for phrases in groups.values():
        for phrase in phrases:
            key = tuple(map(_key, phrase))
            others = table.setdefault(key, [])
            others.extend(p for p in phrases if tuple(map(_key, p)) != key and p not in others)
    return {key: tuple(others) for key, others in table.items()}


def spellings(word: str) -> tuple[str, ...]:
    """``word``'s American and British spellings, case folded: "Tumours" -> ("tumors",
    "tumours"), "centre" -> ("center", "centre"); a word with no other spelling, as it is."""
    american = _respelt(word.casefold(), british=False)
    british = _respelt(american, british=True)
    return (word,) if american == british else (american, british)


def _respelt(word: str, *, british: bool) -> str:
    """The medical stems first (breame's "edema" -> "edoema" is no British spelling), then
    the word list, then the regular endings."""
    stemmed = word
    for pattern, replacement in _spelling_rules()[british]:
        stemmed = pattern.sub(replacement, stemmed)
    listed = _listed()[british].get(word)
    if stemmed == word and listed is not None:
        return listed
    word = stemmed
    if SAME_IN_BOTH.match(word) is None:
        word = _ENDING.sub(_respell_ending[british], word)
    return word


_ENDING = re.compile(ENDINGS)
_respell_ending = {
    False: lambda m: m[1].replace("s", "z") + m[2],
    True: lambda m: m[1].replace("z", "s") + m[2],
}


@lru_cache(maxsize=1)
def _listed() -> dict[bool, dict[str, str]]:
    """Per direction (True: to British), ``breame``'s words less ``NOT_SPELLINGS``."""
    from breame.data.spelling_constants import BRITISH_ENGLISH_SPELLINGS

    pairs = {
        (uk, us) for uk, us in BRITISH_ENGLISH_SPELLINGS.items() if not uk.startswith(NOT_SPELLINGS)
    }
    return {False: dict(pairs), True: {us: uk for uk, us in pairs}}


@lru_cache(maxsize=1)
def _spelling_rules() -> dict[bool, tuple[tuple[re.Pattern[str], str], ...]]:
    """Per direction (True: to British), each rule as a pattern and its replacement."""
    to_us, to_uk = [], []
    for line in SPELLINGS.strip().splitlines():
        uk, us = line.split()
        to_us.append((re.compile(uk), us.strip("^$")))
        to_uk.append((re.compile(us), uk.strip("^$")))
    return {False: tuple(to_us), True: tuple(to_uk)}
