"""Specialty tagging at ingest: the vocabulary, the matching rules, the merge of tag sources."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from aggregator.config import SpecialtySettings
from aggregator.tagging import (
    DEFAULT_SPECIALTIES,
    Specialty,
    Tagger,
    slug,
    specialties_from_config,
)

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger(DEFAULT_SPECIALTIES)


def tag(
    tagger: Tagger,
    title: str,
    text: str = "",
    *,
    source_tags: tuple[str, ...] = (),
    feed_tags: tuple[str, ...] = (),
) -> tuple[str, ...]:
    return tagger.tag(
        title=title, text=text, source_id="s", source_tags=source_tags, feed_tags=feed_tags
    )


def test_pembrolizumab_in_nsclc_is_oncology(tagger: Tagger) -> None:
    assert "oncology" in tag(tagger, "Pembrolizumab extends survival in NSCLC")


def test_italian_mi_is_not_cardiology(tagger: Tagger) -> None:
    tags = tag(tagger, "Mi piace", "Dimmi se mi ami: mi hanno detto che il treno è in ritardo.")
    assert "cardiology" not in tags


def test_capitalised_mi_abbreviation_is_cardiology(tagger: Tagger) -> None:
    assert "cardiology" in tag(tagger, "Early beta-blockers after MI revisited")


def test_abbreviation_inside_a_longer_word_does_not_match(tagger: Tagger) -> None:
    assert "cardiology" not in tag(tagger, "MIDAS study of migraine disability scores")


def test_neonatal_fc_receptor_blocker_is_neurology_not_pediatrics(tagger: Tagger) -> None:
    tags = tag(tagger, "FDA approves a neonatal Fc receptor blocker for myasthenia gravis")
    assert "neurology" in tags
    assert "pediatrics" not in tags


def test_plural_of_a_keyword_matches(tagger: Tagger) -> None:
    assert "oncology" in tag(tagger, "Rare tumours in adolescents")


def test_keyword_matching_ignores_case_for_words(tagger: Tagger) -> None:
    assert "cardiology" in tag(tagger, "HEART FAILURE CLINICS STRETCHED")


def test_multi_word_keyword_matches_across_a_hyphen(tagger: Tagger) -> None:
    specialties = (Specialty("cardiology", ("heart failure",)),)
    assert Tagger(specialties).tag(title="heart-failure clinic", text="", source_id="s") == (
        "cardiology",
    )


def test_multi_word_keyword_needs_its_words_in_order(tagger: Tagger) -> None:
    specialties = (Specialty("cardiology", ("heart failure",)),)
    assert Tagger(specialties).tag(title="failure of the heart", text="", source_id="s") == ()


def test_hyphenated_abbreviation_matches(tagger: Tagger) -> None:
    assert "infectious-disease" in tag(tagger, "COVID-19 admissions rise again")


def test_html_markup_is_not_matched(tagger: Tagger) -> None:
    text = '<a href="https://example.org/cancer">A note on billing</a>'
    assert "oncology" not in tag(tagger, "Billing update", text)


def test_text_matches_as_well_as_title(tagger: Tagger) -> None:
    assert "nephrology" in tag(tagger, "New guidance", "<p>Patients with CKD stage 4 ...</p>")


def test_source_default_specialties_apply_without_keywords() -> None:
    tagger = Tagger((Specialty("cardiology", ("heart",), sources=("heart-journal",)),))
    assert tagger.tag(title="Editorial", text="", source_id="heart-journal") == ("cardiology",)


def test_source_default_specialties_do_not_leak_to_other_sources() -> None:
    tagger = Tagger((Specialty("cardiology", ("heart",), sources=("heart-journal",)),))
    assert tagger.tag(title="Editorial", text="", source_id="other") == ()


def test_source_tags_are_slugged_and_merged(tagger: Tagger) -> None:
    assert tag(tagger, "Agency update", source_tags=("Regulatory",)) == ("regulatory",)


def test_feed_categories_are_slugged(tagger: Tagger) -> None:
    tags = tag(tagger, "Notice", feed_tags=("Health Policy", "Médecine Générale", "  "))
    assert tags == ("health-policy", "medecine-generale")


def test_feed_categories_longer_than_forty_characters_are_dropped(tagger: Tagger) -> None:
    junk = "news, health, medicine, research, hospitals, patients, doctors"
    assert tag(tagger, "Notice", feed_tags=(junk,)) == ()


def test_tags_are_sorted_and_unique(tagger: Tagger) -> None:
    tags = tag(
        tagger,
        "Lung cancer screening",
        source_tags=("oncology",),
        feed_tags=("Oncology", "Screening"),
    )
    assert tags == tuple(sorted(set(tags)))
    assert tags.count("oncology") == 1


def test_slug_joins_words_with_hyphens() -> None:
    assert slug("  Infectious Diseases (ID) ") == "infectious-diseases-id"


def test_default_vocabulary_has_about_twenty_specialties() -> None:
    names = {s.name for s in DEFAULT_SPECIALTIES}
    assert len(names) >= 20
    assert {"oncology", "cardiology", "infectious-disease", "neurology"} <= names


def test_missing_config_section_means_the_default_vocabulary() -> None:
    assert specialties_from_config(None) == DEFAULT_SPECIALTIES


def test_config_section_replaces_the_default_vocabulary() -> None:
    class Entry:
        keywords = ("heart",)
        sources = ("heart-journal",)

    assert specialties_from_config({"Cardiology": Entry()}) == (
        Specialty("cardiology", ("heart",), ("heart-journal",)),
    )


def test_shipped_config_carries_the_default_vocabulary() -> None:
    """config.yaml is the admin's starting point, so it must not drift from the code."""
    data = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))
    shipped = {
        name: tuple(value["keywords"] if isinstance(value, dict) else value)
        for name, value in data["specialties"].items()
    }
    assert shipped == {s.name: s.keywords for s in DEFAULT_SPECIALTIES}


def test_a_less_than_sign_is_not_taken_for_markup(tagger: Tagger) -> None:
    text = "Mortality fell (p<0.001) in patients with heart failure and LVEF>40%."
    assert "cardiology" in tag(tagger, "Trial results", text)


def test_a_specialty_named_in_another_script_tags_by_its_name() -> None:
    configured = {"心脏病": SpecialtySettings(keywords=("心肌梗死", "heart"))}
    tagger = Tagger(specialties_from_config(configured))
    assert tag(tagger, "Heart study") == ("心脏病",)


def test_a_mixed_case_abbreviation_is_matched_as_written(tagger: Tagger) -> None:
    # The kidney's eGFR is not the lung cancer gene EGFR.
    assert "nephrology" in tag(tagger, "eGFR decline slows with the new drug")
    assert "nephrology" not in tag(tagger, "EGFR mutation found in lung tumour")
