"""Near-duplicate stories: the pair rules (aggregator.dedupe), the fixed-order decision
(aggregator.storyindex) and its persistence (aggregator.storywindow through
store.stories), on both databases."""

from __future__ import annotations

import dataclasses
import itertools
import pickle
import random
import sys
import threading
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from aggregator.dedupe import (
    DEFAULT_WINDOW,
    Signature,
    StoryItem,
    choose_representative,
    document_levels,
    encode_levels,
    is_boilerplate_title,
    is_explainer_title,
    may_match,
    one_template,
    passing_score,
    required_score,
    shares_enough,
    signature,
    similarity,
    veto,
    vetoed,
    with_levels,
)
from aggregator.records import Kind
from aggregator.store import Store
from aggregator.store.models import Item, Source
from aggregator.store.retention import purge_items
from aggregator.store.stories import StoryRows, StoryStep
from aggregator.storyindex import HELD, Assignment, StoryIndex
from aggregator.storywindow import story_window

T0 = datetime(2026, 10, 6, 13, 0, tzinfo=UTC)

APPROVAL = (
    "FDA approves Kisqali (ribociclib) for early breast cancer",
    "The FDA on Tuesday approved Kisqali (ribociclib), Novartis' CDK4/6 inhibitor, for adults "
    "with HR-positive early breast cancer at high risk of recurrence. The decision rests on the "
    "phase 3 NATALEE trial of 5,101 patients, in which ribociclib cut the risk of recurrence by "
    "25%.",
)
REWRITE = (
    "Novartis wins FDA nod for Kisqali in early breast cancer",
    "Novartis said Tuesday that regulators cleared Kisqali to treat early breast cancer after the "
    "NATALEE study showed a 25% lower risk of recurrence among 5,101 patients. Common side "
    "effects included neutropenia.",
)
BOILERPLATE = "Patients < 18 years were excluded from the primary analysis."


def item(
    item_id: int,
    text: tuple[str, str],
    source: str,
    hours: float = 0,
    kind: str = "news",
    ids: Sequence[str] = (),
) -> StoryItem:
    return StoryItem(
        item_id=item_id,
        source_id=source,
        kind=kind,
        label="news",
        published=T0 + timedelta(hours=hours),
        key=f"guid-{item_id}",
        sig=signature(*text),
        identifiers=frozenset(ids),
    )


def stories(items: Sequence[StoryItem]) -> dict[int, int]:
    index = StoryIndex()
    index.add(items)
    return {i.item_id: index.story_of(i.item_id) for i in items}


@pytest.mark.parametrize(
    "title", ["Weekly roundup", "This week in cardiology", "Correction", "Podcast episode 12"]
)
def test_recurring_digest_titles_are_boilerplate(title: str) -> None:
    assert is_boilerplate_title(title)


def test_a_syndicated_rewrite_joins_the_earlier_items_story() -> None:
    assert stories([item(1, APPROVAL, "wire"), item(2, REWRITE, "outlet", 5)]) == {1: 1, 2: 1}


def test_a_drug_both_headlines_name_lowers_the_bar_less_than_a_shared_trial() -> None:
    brand = item(1, ("Wegovy approved for heart failure", "Novo Nordisk said on Friday."), "a")
    generic = item(2, ("Semaglutide eases heart failure", "Researchers agreed."), "b", 3)
    other = item(3, ("Heart failure drug cleared", "Regulators agreed."), "c", 3)
    trial = item(4, ("ORBIT-14: semaglutide in heart failure", "The ORBIT-14 trial."), "d", 3)
    trial_too = item(5, ("Wegovy wins ORBIT-14", "Results of ORBIT-14."), "e", 3)
    assert required_score(brand, other) == pytest.approx(0.1)
    assert required_score(brand, generic) == pytest.approx(0.07)
    assert required_score(trial, trial_too) == pytest.approx(0.05)


def test_headlines_naming_different_places_are_different_stories() -> None:
    california = ("California reports human H5N1 case in dairy worker",
                  "State health officials confirmed avian influenza in a farm worker "
                  "with conjunctivitis; the virus was the B3.13 genotype.")  # fmt: skip
    cambodia = ("Human H5N1 case reported in Cambodia",
                "Health officials confirmed avian influenza in a farm worker with "
                "conjunctivitis; the virus was the B3.13 genotype.")  # fmt: skip
    assert veto(item(1, california, "cidrap"), item(2, cambodia, "who", 2)) == "places"


def test_a_headlines_region_meets_the_others_country_or_text() -> None:
    texas = ("Texas measles outbreak grows to 90 cases", "Lubbock County reported six more.")
    national = ("US measles cases climb", "Most are in Texas, where Lubbock County leads.")
    cambodia = ("Human H5N1 case reported in Cambodia", "It follows a case in California.")
    california = ("California reports human H5N1 case", "The worker recovered.")
    assert veto(item(1, texas, "a"), item(2, national, "b", 1)) != "places"
    assert veto(item(1, california, "a"), item(2, cambodia, "b", 1)) != "places"


def test_one_companys_strike_and_its_data_breach_are_two_stories() -> None:
    body = "Kaiser Permanente, the Oakland-based health system, said on Monday that members "
    strike = ("Kaiser Permanente nurses begin five-day strike", body + "would see delays.")
    breach = ("Kaiser Permanente discloses vendor breach", body + "were told of the breach.")
    assert veto(item(1, strike, "ap"), item(2, breach, "fierce", 2)) == "events"


def test_a_drugs_approval_and_a_patent_ruling_on_it_are_two_stories() -> None:
    approval = (
        "Halvor wins EU nod for under-the-skin Ostravio",
        "Europe follows the FDA, which cleared the subcutaneous form last year.",
    )
    ruling = (
        "US judge sides with Halvor in patent fight over Ostravio shot",
        "A federal judge ruled that Halvor's under-the-skin Ostravio does not infringe Medix "
        "patents.",
    )
    assert veto(item(1, approval, "endpoints"), item(2, ruling, "reuters", 5)) == "events"


def test_a_deal_struck_and_a_takeover_are_one_kind_of_event() -> None:
    struck = ("Pfizer strikes $4.3B deal for Corvexa", "Pfizer will buy Corvexa Bio.")
    bought = ("Pfizer to acquire Corvexa Bio", "Pfizer agreed to buy Corvexa Bio.")
    assert veto(item(1, struck, "biopharma-dive"), item(2, bought, "wire", 1)) != "events"


def test_a_committee_vote_named_after_its_agency_is_one_story() -> None:
    acip = ("ACIP backs single-dose HPV vaccination for children",
            "The Advisory Committee on Immunization Practices voted 11-1 on Thursday to "
            "recommend a single dose of HPV vaccine for children aged 9 to 14.")  # fmt: skip
    cdc = ("CDC vaccine advisers vote for a single HPV shot for children",
           "Vaccine advisers to the CDC voted 11-1 on Thursday for one dose of HPV vaccine "
           "instead of two for children aged 9 to 14.")  # fmt: skip
    fda = ("FDA backs single-dose HPV vaccination for children", acip[1])
    assert stories([item(1, acip, "stat"), item(2, cdc, "ap", 2)]) == {1: 1, 2: 1}
    assert stories([item(1, acip, "stat"), item(2, fda, "ap", 2)]) == {1: 1, 2: 2}


def test_two_reports_sharing_only_a_reporting_verb_and_a_figure_are_two_stories() -> None:
    """The demo joined these on "finds" and "17": a verb that reports says nothing of what."""
    screening = ("AI second reader finds 17% more cancers in breast screening programme",
                 "Replacing the second human reader with an AI system in breast screening "
                 "increased cancer detection by 17% without raising recall rates.")  # fmt: skip
    beds = ("Adolescents wait longest for psychiatric beds, emergency department audit finds",
            "Young people aged 12 to 17 who came to emergency departments in a mental health "
            "crisis waited a median of 19 hours for an inpatient bed, an audit found.")  # fmt: skip
    assert stories([item(1, screening, "ward"), item(2, beds, "wire", 2)]) == {1: 1, 2: 2}


def test_a_brand_name_and_its_generic_name_are_one_term() -> None:
    brand = signature("Wegovy cuts heart attacks", "")
    generic = signature("Semaglutide cuts heart attacks", "")
    assert "semaglutide" in brand.terms & generic.terms


def test_two_items_of_one_source_never_merge_by_text() -> None:
    assert stories([item(1, APPROVAL, "wire"), item(2, REWRITE, "wire", 1)]) == {1: 1, 2: 2}


def test_items_naming_different_video_ids_never_merge() -> None:
    first = item(1, APPROVAL, "channel-a", kind="video", ids=["youtube:aaaaaaaaaaa"])
    second = item(2, APPROVAL, "channel-b", 1, kind="video", ids=["youtube:bbbbbbbbbbb"])
    assert stories([first, second]) == {1: 1, 2: 2}


def test_a_news_clip_reporting_a_story_joins_it() -> None:
    clip = item(2, REWRITE, "network", 1, kind="video")
    assert stories([item(1, APPROVAL, "wire"), clip]) == {1: 1, 2: 1}


KISQALI_EXPLAINER = (
    "Kisqali for early breast cancer: what to know",
    "A pharmacist explains ribociclib (Kisqali) for HR-positive early breast cancer: who the "
    "FDA approved it for after NATALEE, the 25% lower risk of recurrence, and neutropenia.",
)


@pytest.mark.parametrize(
    "headline",
    [
        "Kisqali for early breast cancer: what to know",
        "Is Kisqali right for early breast cancer?",
        "How to take Kisqali for early breast cancer",
        "Kisqali explained: the NATALEE trial in early breast cancer",
    ],
)
def test_a_video_explaining_the_topic_of_a_news_story_stays_apart_from_it(headline: str) -> None:
    explainer = item(2, (headline, KISQALI_EXPLAINER[1]), "pharmacist", 1, kind="video")
    assert stories([item(1, APPROVAL, "wire"), explainer]) == {1: 1, 2: 2}


def test_an_agency_in_capitals_opening_a_headline_does_not_make_it_a_question() -> None:
    assert not is_explainer_title("WHO declares mpox a global health emergency")
    assert not is_explainer_title("Do-not-resuscitate orders rose during the pandemic")
    assert is_explainer_title("Mpox vaccine: who should get it")


EMBER_NEWS = (
    "Novo's Wegovy cuts heart failure events by 28% in large trial",
    "Semaglutide cut heart failure events by 28% in people with obesity and HFpEF in the "
    "EMBER-HF trial, Novo Nordisk said, in 4,600 patients followed for two years.",
)
EMBER_VIDEO = (
    "Wegovy for heart failure? EMBER-HF explained in 5 minutes",
    "A cardiologist walks through the EMBER-HF results: semaglutide, HFpEF and the 28% fewer "
    "heart failure events, and what they mean for patients with obesity.",
)


def test_a_video_naming_the_trial_of_a_news_story_joins_it() -> None:
    news, video = item(1, EMBER_NEWS, "wire"), item(2, EMBER_VIDEO, "channel", 20, kind="video")
    assert stories([news, video]) == {1: 1, 2: 1}


def test_items_further_apart_than_the_window_start_their_own_story() -> None:
    assert stories([item(1, APPROVAL, "wire"), item(2, REWRITE, "outlet", 24 * 8)]) == {1: 1, 2: 2}


def test_the_representative_is_the_earliest_item() -> None:
    assert choose_representative([item(7, REWRITE, "b", 2), item(9, APPROVAL, "a", 1)]) == 9


ZIMVELO_APPROVAL = (
    "FDA Approves First Stem Cell-Derived Islet Cell Therapy for Adults With Type 1 Diabetes and "
    "Severe Hypoglycemia",
    "Today, the U.S. Food and Drug Administration approved Zimvelo (zimislecel), an allogeneic "
    "stem cell-derived pancreatic islet cell therapy, for adults with type 1 diabetes who have "
    "impaired hypoglycemia awareness and recurrent severe hypoglycemic events.",
)
ZIMVELO_PRICE = (
    "Vertex prices Zimvelo at $2.9M, tying one-time cell therapy to outcomes-based deals",
    "Vertex will offer partial refunds if patients need insulin again within three years.",
)
ZIMVELO_PRICE_REWRITE = (
    "Vertex sets $2.9 million price for type 1 diabetes cell therapy",
    "The price puts Zimvelo among the most expensive drugs in the U.S. Vertex said it expects a "
    "few hundred patients to be treated in the first year.",
)


def test_an_item_matching_two_stories_joins_the_one_whose_bar_it_clears_most() -> None:
    """The price rewrite shares more words with the approval (0.29 against 0.26), but the
    approval came 66 hours before, which raises that pair's bar to 0.144: the price story
    of two hours before, at the plain bar of 0.1, is the one it clears most."""
    approval = item(1, ZIMVELO_APPROVAL, "fda")
    price = item(2, ZIMVELO_PRICE, "endpoints", 64)
    rewrite = item(3, ZIMVELO_PRICE_REWRITE, "stat", 66)
    assert similarity(rewrite.sig, approval.sig) > similarity(rewrite.sig, price.sig)
    for arrival in itertools.permutations([approval, price, rewrite]):
        index = StoryIndex()
        for one in arrival:
            index.add([one])
        assert {i: index.story_of(i) for i in (1, 2, 3)} == {1: 1, 2: 2, 3: 2}


def test_the_number_in_a_trials_name_is_not_a_figure() -> None:
    sig = signature("Positive topline results for Kisunla in phase 2 STELLAR-58 study", "")
    assert sig.trials == {"STELLAR-58"} and sig.headline_numbers == frozenset()


@pytest.mark.parametrize("name", ["TROPION-Lung01", "KEYNOTE-B15", "CheckMate-77T"])
def test_a_trial_numbered_within_its_series_is_a_trial(name: str) -> None:
    assert signature(f"{name} meets its primary endpoint", "").trials == {name.upper()}


@pytest.mark.parametrize("name", ["EMBER-HF", "SHORT-MI", "ATTAIN-SWITCH"])
def test_an_acronym_joined_to_an_acronym_is_a_trial(name: str) -> None:
    assert signature(f"{name} meets its primary endpoint", "").trials == {name}


def test_an_acronym_joined_to_a_word_is_a_trial_in_prose_not_in_a_headline() -> None:
    prose = signature("Twice-yearly shot works", "Alnylam said KARDIA-Global met its goal.")
    headline = signature("COVID-Related Deaths Fall Again", "Deaths fell for a third week.")
    assert prose.trials == {"KARDIA-GLOBAL"} and headline.trials == frozenset()


def test_items_naming_two_trials_of_one_series_are_two_stories() -> None:
    lung = item(1, ("DESTINY-Lung04 meets its goal", "Trastuzumab deruxtecan in NSCLC."), "a")
    breast = item(2, ("DESTINY-Breast09 meets its goal", "Trastuzumab deruxtecan in NSCLC."), "b")
    assert veto(lung, breast) == "trials"


@pytest.mark.parametrize("word", ["Omega-3", "Covid-19"])
def test_a_capitalised_word_with_a_number_is_not_a_trial(word: str) -> None:
    assert signature(f"{word} shortage hits hospitals", "").trials == frozenset()


@pytest.mark.parametrize("measure", ["MACE-4", "MACCE-3", "KCCQ-23", "PROMIS-29"])
def test_an_endpoint_or_a_scale_numbered_like_a_trial_is_not_a_trial(measure: str) -> None:
    assert signature("Pill cuts heart attacks", f"It lowered {measure} by a fifth.").trials == set()


@pytest.mark.parametrize(
    "text",
    [
        "Regulators backed the EGFR-MET bispecific antibody amivantamab.",  # a gene pair
        "Adding 177Lu-PSMA-617 improved survival.",  # a radioligand
        "Lutetium-177–PSMA-617 improves survival in prostate cancer.",
        "The VEGFR-TKI class raised blood pressure.",  # a target and a drug class
    ],
)
def test_a_name_spelled_letter_by_letter_is_a_target_not_a_trial(text: str) -> None:
    assert signature("Lung cancer drug approved", text).trials == frozenset()


@pytest.mark.parametrize("name", ["DIAN-TU", "WATCH-AF", "TREL-201", "SSASS-2", "DAPA-590"])
def test_a_trial_named_by_a_word_one_can_say_is_still_a_trial(name: str) -> None:
    assert signature(f"{name} meets its primary endpoint", "").trials == {name}


def test_an_approval_and_its_rewrite_naming_the_antibodys_targets_are_one_story() -> None:
    """A target pair read as a trial ("EGFR-MET") kept this rewrite apart from ADAPT-42."""
    release = (
        "FDA approves Rybrevant for untreated metastatic non-small cell lung cancer",
        "The FDA approved Rybrevant (amivantamab) on the strength of the ADAPT-42 trial.",
    )
    rewrite = (
        "New lung cancer option: FDA backs the EGFR-MET bispecific antibody Rybrevant",
        "Amivantamab, sold as Rybrevant, is now approved for untreated metastatic lung cancer.",
    )
    assert veto(item(1, release, "a"), item(2, rewrite, "b", 1)) is None


def test_a_town_in_a_two_company_dateline_is_not_a_trial() -> None:
    sig = signature(
        "Pfizer and Valneva submit Lyme disease vaccine to FDA",
        "NEW YORK & SAINT-HERBLAIN, France--(BUSINESS WIRE)--Pfizer Inc. and Valneva SE "
        "today announced the submission of the vaccine candidate.",
    )
    assert sig.trials == frozenset()


def test_reports_of_two_years_are_kept_apart_by_their_figures() -> None:
    """Any two years are within 5 % of each other: they agreed, and no figure veto held."""
    title = "Flu season hospitalizations and deaths reported by state officials"
    this_year = (title, "In 2025, 41,000 people were hospitalized and 3,100 died of flu.")
    last_year = (title, "In 2024, 52,000 people were hospitalized and 4,800 died of flu.")
    assert veto(item(1, this_year, "a"), item(2, last_year, "b", 1)) == "figures"


def test_counts_of_two_dates_in_one_year_are_another_story() -> None:
    """A year both dates share says nothing of the counts: a follow-up is vetoed."""
    first = ("Measles update", "As of September 14, 2026, officials counted 870 cases, 12 dead.")
    later = ("Measles update", "As of September 21, 2026, officials counted 1,020 cases, 31 dead.")
    assert veto(item(1, first, "a"), item(2, later, "b", 1)) == "figures"


def test_reports_of_one_day_are_not_kept_apart_by_their_rounding() -> None:
    """The same day in both is the same event's date: their figures may be rounded apart."""
    first = ("Deal", "On September 14, 2026, the firms agreed a $2.1 billion deal: 12 sites.")
    later = ("Firms strike deal", "The September 14 pact is worth $1.8 billion across 15 plants.")
    assert veto(item(1, first, "a"), item(2, later, "b", 1)) != "figures"


def test_a_year_alone_is_not_several_figures() -> None:
    """A year and a date beside one figure are not the several figures the veto needs."""
    paper = ("Salt substitutes and blood pressure", "Blood pressure fell by 6.3 mm Hg; 64 homes.")
    news = ("Salt swap lowers blood pressure", "Published October 10, 2026, the trial found it.")
    assert veto(item(1, paper, "a"), item(2, news, "b", 1)) != "figures"


def test_headlines_naming_one_year_are_not_kept_apart_by_it() -> None:
    rule = ("CMS finalizes 2027 physician fee schedule with 1.8% raise", "The 2027 rule pays 1.8%.")
    listicle = ("CMS finalizes 2027 physician pay rule: 10 things to know", "The rule pays more.")
    assert veto(item(1, rule, "a"), item(2, listicle, "b", 1)) != "headline figures"


def test_a_paper_and_the_release_reporting_its_four_point_mace_are_not_kept_apart() -> None:
    paper = (
        "Obicetrapib and Cardiovascular Outcomes in Atherosclerotic Disease",
        "We assigned 9541 patients to obicetrapib or placebo (NCT05202509).",
    )
    release = (
        "NewAmsterdam announces positive PREVAIL outcomes results for obicetrapib",
        "Obicetrapib reduced MACE-4 by 21% in 9,541 patients with atherosclerotic disease.",
    )
    assert veto(item(1, paper, "a"), item(2, release, "b", 1)) is None


def test_headlines_quoting_two_figures_of_one_report_are_one_story() -> None:
    risk = ("Kisunla cuts risk of worsening by 18%", "In 4,050 patients, risk fell by 18%.")
    size = ("Kisunla trial of 4,050 patients meets goal", "Risk fell by 18% among 4,050 patients.")
    assert not vetoed(item(1, risk, "a"), item(2, size, "b", 1))


def test_a_follow_up_count_in_the_headline_is_another_story() -> None:
    first = ("Officials report 870 West Nile infections in Utah", "Utah has 870 West Nile cases.")
    later = ("Utah West Nile cases rise to 1,020", "Cases reached 1,020, up from 870 last week.")
    assert vetoed(item(1, first, "a"), item(2, later, "b", 48))


def test_items_naming_one_trial_are_not_kept_apart_by_their_other_figures() -> None:
    topline = ("Wegovy wins AEGEAN-606", "HbA1c fell at 40 weeks; median 10 versus 11 months.")
    detail = ("AEGEAN-606 data for Wegovy", "The trial enrolled 4,695 patients in 30 countries.")
    assert not vetoed(item(1, topline, "a"), item(2, detail, "b", 1))


def test_headlines_citing_different_regulators_are_different_stories() -> None:
    fda = ("FDA approves Kisqali for early breast cancer", APPROVAL[1])
    ema = ("EMA recommends Kisqali for early breast cancer", APPROVAL[1])
    assert vetoed(item(1, fda, "a"), item(2, ema, "b", 1))


def test_a_human_case_and_the_farm_agencys_response_are_different_stories() -> None:
    """The agriculture agency acts on animal outbreaks; the health agency counts people."""
    body = "A dairy worker in Idaho caught H5N1 bird flu from infected cows this week. "
    case = ("CDC confirms human H5N1 bird flu case in Idaho", body + "The risk stays low.")
    testing = ("USDA expands bird flu milk testing to all dairy states", body + "Silos too.")
    assert veto(item(1, case, "cdc"), item(2, testing, "ap", 30)) == "cited authorities"


def test_headlines_naming_different_drugs_are_different_stories() -> None:
    first = ("Q&A: what the apixaban data mean for atrial fibrillation patients", BOILERPLATE)
    second = ("Q&A: what the esketamine data mean for atrial fibrillation patients", BOILERPLATE)
    assert vetoed(item(1, first, "a"), item(2, second, "b", 1))


def test_a_rewrite_quoting_its_own_experts_is_not_kept_apart_by_names() -> None:
    journal = (
        "Ticagrelor alone after one month in myocardial infarction",
        "In the SHORT-MI trial at 38 sites in South Korea, 4,980 patients with MI stopped "
        "aspirin one month after PCI. Major bleeding fell from 4.4% to 2.1%.",
    )
    news = (
        "Aspirin can be dropped a month after a heart attack, trial finds",
        "Dropping aspirin one month after PCI halved major bleeding in SHORT-MI, "
        "Dr. Hyo-Soo Kim of Seoul told the ESC Congress; Dr. Marco Valgimigli of Lugano, "
        "who was not involved, said patients in South Korea may differ.",
    )
    assert not vetoed(item(1, journal, "a"), item(2, news, "b", 1))


def test_a_rewrite_rounding_the_papers_figures_is_not_kept_apart_by_names() -> None:
    journal = (
        "Ticagrelor monotherapy after one month",
        "In 4,980 patients at 38 Korean sites, stopping aspirin cut bleeding from 4.4% to 2.1%.",
    )
    news = (
        "Heart attack survivors may stop aspirin sooner",
        "Nearly 5,000 patients who stopped aspirin early had half the bleeding, HealthDay reports.",
    )
    assert not vetoed(item(1, journal, "a"), item(2, news, "b", 1))


def test_a_year_is_no_rounding_of_a_count_when_names_are_compared() -> None:
    """A season written as years is when, not how many: "2025-2026" names no "2,000"."""
    study = (
        "Antibody kept infants out of hospital through the winter",
        "Infants born during the 2025-2026 season at Lakeview clinics got one injection.",
    )
    plan = (
        "Health services add virtual ward places",
        "Northshore health services will add 2,000 virtual ward places this winter.",
    )
    assert veto(item(1, study, "a"), item(2, plan, "b", 1)) == "names"


def test_a_hazard_ratio_and_the_reduction_it_reports_are_one_figure() -> None:
    paper = (
        "Obicetrapib and cardiovascular outcomes",
        "Major adverse events occurred in 9.0% and 11.3% (hazard ratio 0.79; P<0.001) of 9,541 "
        "patients.",
    )
    news = (
        "Cholesterol pill cuts heart attacks and strokes by 21% in large trial",
        "The daily pill lowered the risk of heart attack, stroke or death by 21% over 40 months.",
    )
    other = (
        "Cholesterol pill cuts heart attacks and strokes by 35% in large trial",
        "The daily pill lowered the risk of heart attack, stroke or death by 35% over 40 months.",
    )
    assert veto(item(1, paper, "a"), item(2, news, "b", 1)) != "figures"
    assert veto(item(1, paper, "a"), item(2, other, "b", 1)) == "figures"


def test_a_rewrite_of_a_press_release_sharing_three_of_its_many_names_is_not_kept_apart() -> None:
    release = (
        "Positive topline results announced for phase 3 study",
        "CAMBRIDGE, Mass. -- Alnylam Pharmaceuticals (Nasdaq: ALNY) said the KARDIA study of "
        "zilebesiran met its primary endpoint. This release contains forward-looking statements "
        "under the Private Securities Litigation Reform Act of 1995; Roche and Alnylam disclaim "
        "any duty to update them.",
    )
    rewrite = (
        "Twice-yearly shot lowers blood pressure in trial",
        "Zilebesiran given every six months lowered blood pressure in KARDIA, Alnylam said, "
        "according to Dr. George Bakris of UChicago Medicine in Chicago, Illinois, speaking at "
        "the AHA Scientific Sessions in Philadelphia, Pennsylvania.",
    )
    assert not vetoed(item(1, release, "a"), item(2, rewrite, "b", 1))


def test_items_naming_different_companies_and_places_are_different_stories() -> None:
    title = "Voluntary recall announced over contamination risk"
    perrigo = (
        title,
        "Perrigo of Allegan, Michigan is recalling 16,500 cans of Premium infant formula after "
        "tests found Cronobacter in a batch; no illnesses have been reported.",
    )
    baxter = (
        title,
        "Baxter of Deerfield, Illinois is recalling 2,300 bags of Clinimix injection after "
        "customers found particles in a batch; no illnesses have been reported.",
    )
    assert vetoed(item(1, perrigo, "a"), item(2, baxter, "b", 1))


def test_headlines_naming_drugs_newer_than_the_dictionary_are_told_apart_by_their_stems() -> None:
    first = ("Q&A: what the donanemab data mean for psoriasis patients", BOILERPLATE)
    second = ("Q&A: what the zilebesiran data mean for psoriasis patients", BOILERPLATE)
    assert vetoed(item(1, first, "a"), item(2, second, "b", 1))


def test_two_studies_that_share_only_figures_are_not_one_story() -> None:
    first = ("Researchers identify new biomarker for COPD", "Biomarker: 0.66 (0.58 to 0.74).")
    second = ("Empagliflozin and infection risk in asthma", "Infections: 0.58 (0.50 to 0.66).")
    a, b = signature(*first), signature(*second)
    assert a.identifying_terms & b.identifying_terms == {"0.58", "0.66"}
    assert not shares_enough(a, b)


def test_template_headlines_whose_summaries_share_only_a_figure_are_not_one_story() -> None:
    first = (
        "CMS issues safety warning on remdesivir",
        "Regulators logged 60 reports of liver injury among hospitalised adults.",
    )
    second = (
        "CMS issues safety warning on dapagliflozin",
        "Pharmacists in 60 clinics flagged ketoacidosis in people with diabetes.",
    )
    a, b = signature(*first), signature(*second)
    assert {"cms", "cms_issue", "60"} <= a.identifying_terms & b.identifying_terms
    assert not shares_enough(a, b)


SETTLEMENT = (
    "Harbor Rx settles FTC inhaler pricing case, agrees to cap copays",
    "Harbor Rx will tie what patients pay for inhalers to net prices and drop rebate-driven "
    "formulary placement.",
)
SETTLEMENT_REWRITE = (
    "Harbor Rx first benefit manager to settle FTC inhaler suit",
    "The agreement still needs sign-off from the commission's administrative law judge.",
)


def test_same_day_headlines_of_one_event_are_one_story_when_the_summaries_differ() -> None:
    """Each outlet's one-sentence summary picks its own detail; the headlines carry the
    story."""
    first, second = item(1, SETTLEMENT, "a"), item(2, SETTLEMENT_REWRITE, "b", 3)
    assert not shares_enough(first.sig, second.sig)
    assert may_match(second, first)
    assert stories([first, second]) == {1: 1, 2: 1}


def test_headlines_of_one_event_days_apart_need_summaries_that_agree() -> None:
    first, second = item(1, SETTLEMENT, "a"), item(2, SETTLEMENT_REWRITE, "b", 30)
    assert not may_match(second, first)


def test_a_one_sentence_teaser_is_weighed_on_its_headline_over_a_day() -> None:
    """A feed's teaser adds a detail of its own, so it never agrees with another outlet's
    summary; outlets retell an event over a day."""
    first, second = item(1, SETTLEMENT, "a"), item(2, SETTLEMENT_REWRITE, "b", 18)
    assert second.sig.sentences == 1
    assert may_match(second, first)


def test_summaries_of_several_sentences_must_agree_past_half_a_day() -> None:
    longer = (
        SETTLEMENT[0],
        SETTLEMENT[1] + " Patients will see the change on their statements from July. "
        "The company did not admit wrongdoing.",
    )
    rewrite = (
        SETTLEMENT_REWRITE[0],
        SETTLEMENT_REWRITE[1] + " Two other benefit managers are still contesting the suit. "
        "A hearing in their case is set for the autumn.",
    )
    first, second = item(1, longer, "a"), item(2, rewrite, "b", 18)
    assert first.sig.sentences > 1 and second.sig.sentences > 1
    assert not may_match(second, first)
    assert may_match(item(3, rewrite, "b", 3), first)


def test_same_day_template_headlines_with_other_fillers_are_two_stories() -> None:
    first = (
        "COPD cases rise among pregnant women, FDA reports",
        "Emergency visits doubled in the third trimester across 40 clinics.",
    )
    second = (
        "COPD cases rise among smokers, FDA reports",
        "The agency counted more exacerbations in people over 65 who smoke daily.",
    )
    a, b = item(1, first, "a"), item(2, second, "b", 2)
    assert one_template(a.sig, b.sig)
    assert not may_match(b, a)


def test_rewritten_headlines_are_not_one_template() -> None:
    assert not one_template(signature(*SETTLEMENT), signature(*SETTLEMENT_REWRITE))


def test_a_name_written_with_accents_is_one_word() -> None:
    sig = signature("Trial results", "In Bagsværd, Dr. Maria Müller led the trial.")
    assert {"bagsværd", "maria müller"} <= sig.entities
    assert "ller" not in sig.terms


def test_capitalised_words_in_a_row_are_one_name() -> None:
    sig = signature(
        "Panel votes on birth dose",
        "The Advisory Committee on Immunization Practices voted 8-3, said Dr. Sean O'Leary.",
    )
    assert "advisory committee immunization practice" in sig.entities
    assert "immunization" not in sig.entities


def test_a_possessive_ends_a_name() -> None:
    sig = signature("Test cleared", "Regulators cleared Cognivia Dx's Alzheimer's blood test.")
    assert {"cognivia dx", "alzheimer"} <= sig.entities


def test_a_dateline_a_date_or_a_common_word_opening_a_sentence_names_nothing() -> None:
    sig = signature(
        "Late-night scrolling tied to teen depression",
        "WASHINGTON (AP) — Only teens who scrolled late on Tuesdays in March were more depressed.",
    )
    assert sig.entities  # still there to be mentioned by another item
    assert not sig.named


@pytest.mark.parametrize(
    "summary",
    [
        "Sandoz is recalling 10,000 inhalers.",  # a company opening a sentence
        "Only inhalers made by Sandoz are recalled.",
        "The recall covers 10,000 inhalers.",  # a figure is a name of its own
    ],
)
def test_a_company_or_a_figure_is_a_name_of_its_own(summary: str) -> None:
    assert signature("Inhalers recalled", summary).named


def test_a_rewrite_whose_only_names_are_its_dateline_is_not_kept_apart_by_names() -> None:
    wire = (
        "FDA approves lab-grown insulin-making cells for type 1 diabetes",
        "WASHINGTON (AP) — Regulators approved the first treatment made from stem cells that "
        "become insulin-producing islet cells, for adults with severe low blood sugar.",
    )
    release = (
        "Vertex announces FDA approval of Zimvelo for type 1 diabetes",
        "BOSTON--(BUSINESS WIRE)--Vertex Pharmaceuticals said the FDA approved Zimvelo, the "
        "first stem cell-derived islet cell therapy, for adults with type 1 diabetes.",
    )
    assert veto(item(1, release, "a"), item(2, wire, "b", 1)) is None


def test_a_stop_word_opening_a_headline_is_no_name() -> None:
    """Stemmed before the stop words were looked up, "Does" was the name "doe"."""
    sig = signature("Does your RSV shot still work? CDC says yes", "Protection fades a little.")
    assert "doe" not in sig.entities
    assert "doe" not in sig.terms


def test_reports_that_each_name_their_own_company_stay_apart() -> None:
    first = ("Sandoz pulls eye drops from market", "Sandoz is recalling 20,000 eye drops.")
    second = ("Baxter pulls eye drops from market", "Baxter is recalling eye drops in Ohio.")
    assert veto(item(1, first, "a"), item(2, second, "b", 1)) == "names"


def test_a_count_spelled_out_at_a_sentences_start_is_the_figure_the_other_writes() -> None:
    """AP style spells out a number that opens a sentence: "Seventeen states" is "17"."""
    spelled = "Seventeen states and territories report many flu cases, officials in Atlanta said."
    written = "Influenza is widespread in 17 jurisdictions, with Kansas reporting the most cases."
    agency = item(1, ("influenza rises early across the country", written), "a")
    wire = item(2, ("flu cases arrive early, officials warn", spelled), "b", 1)
    assert veto(agency, wire) is None


NEWSROOM = (
    "smartwatch alerts missed most people with high blood pressure",
    "Wearable alerts flagged only 41% of 2,046 adults with hypertension in the study.",
)
NEWSROOM_REPORT = (
    "your smartwatch may not warn you about high blood pressure",
    "The watches missed most cases, according to research in the American Heart "
    "Association's journal; Stanford cardiologists urged cuff checks.",
)


@pytest.mark.parametrize(
    ("outlet", "decided"),
    [("aha-news", None), ("American Heart Association", None), ("acc-news", "names")],
)
def test_a_report_naming_the_outlet_of_the_other_item_mentions_it(
    outlet: str, decided: str | None
) -> None:
    """A newsroom's item seldom names its own association; a report on it does."""
    newsroom = item(1, NEWSROOM, outlet)
    assert veto(newsroom, item(2, NEWSROOM_REPORT, "cnn-health", 1)) == decided


@pytest.mark.parametrize(
    ("name", "decided"), [("American Heart Association", None), ("ACC News", "names")]
)
def test_a_report_naming_the_configured_name_of_an_opaque_source_mentions_it(
    name: str, decided: str | None
) -> None:
    newsroom = dataclasses.replace(item(1, NEWSROOM, "src-17"), source_name=name)
    assert veto(newsroom, item(2, NEWSROOM_REPORT, "cnn-health", 1)) == decided


@pytest.mark.parametrize(
    ("people", "country"),
    [
        ("Danish researchers said deaths", "Researchers in Denmark said deaths"),
        ("American researchers said deaths", "Researchers in the United States said deaths"),
        ("Researchers said deaths among Americans", "Researchers said deaths in the United States"),
        ("British researchers said deaths", "Researchers in Britain said deaths"),
    ],
)
def test_a_countrys_people_and_its_name_mention_each_other(people: str, country: str) -> None:
    """One outlet writes the demonym, the other the country: neither names anything else."""
    text = " from colorectal cancer rose again, according to a registry report."
    first, second = ("cancer registry report", people + text), ("registry data", country + text)
    assert veto(item(1, first, "a"), item(2, second, "b", 1)) is None
    assert veto(item(1, second, "a"), item(2, first, "b", 1)) is None


def test_two_countries_people_do_not_mention_each_other() -> None:
    text = " researchers said colorectal cancer rose again, according to a registry report."
    danish, swedish = ("registry report", "Danish" + text), ("registry data", "Swedish" + text)
    assert veto(item(1, danish, "a"), item(2, swedish, "b", 1)) == "names"


ACIP_VOTE = (
    "ACIP votes to end universal hepatitis B birth dose",
    "ACIP members voted 8-3 on Thursday to drop the universal hepatitis B birth dose, "
    "overturning a policy in place since 1991, said Sean O'Leary of the American Academy "
    "of Pediatrics.",
)
ACIP_SPELLED_OUT = (
    "Vaccine panel drops universal hepatitis B shot at birth",
    "Members of the Advisory Committee on Immunization Practices voted to drop the universal "
    "hepatitis B birth dose and to screen mothers for HBsAg instead.",
)


def test_a_committee_written_by_its_initials_names_the_same_committee() -> None:
    assert veto(item(1, ACIP_VOTE, "a"), item(2, ACIP_SPELLED_OUT, "b", 2)) is None


@pytest.mark.parametrize(
    ("agency", "initials"),
    [
        ("the Centers for Disease Control and Prevention", "CDC"),
        ("the National Institutes of Health", "NIH"),
        ("the UK Health Security Agency", "UKHSA"),
    ],
)
def test_an_agency_written_out_is_named_by_its_initials(agency: str, initials: str) -> None:
    """The initials are those of the whole name, not of the words left once generic ones
    ("Centers", "Health", "UK") are trimmed from it: "disease control prevention" is no
    DCP, "national" no NIH."""
    spelled = (
        "single vaccine dose still protects older adults three seasons on",
        f"A single dose kept protecting adults over 60, according to {agency}.",
    )
    short = (
        f"your vaccine still works, {initials} says",
        f"Protection fades a little each season, {initials} said; a Vanderbilt doctor told "
        "Channel 2 it is still worth having.",
    )
    assert veto(item(1, spelled, "a"), item(2, short, "b", 2)) is None


def test_a_country_written_out_is_named_by_its_short_form() -> None:
    """The short form "US" is a stop word, and "united state" no word of the other item:
    the places table says both are the United States."""
    text = "The daily pill will reach pharmacies across the United States within weeks."
    spelled = item(1, ("new weight loss pill cleared", text), "a")
    text = "Regulators in the US cleared the daily pill from Lakeside Bio, Leerink analysts said."
    short = item(2, ("US regulators clear weight loss pill", text), "b", 2)
    assert veto(spelled, short) is None


def test_an_abbreviation_written_out_by_the_other_names_the_same_thing() -> None:
    short = (
        "CMS finalizes renal denervation coverage",
        "The final NCD drops a requirement that patients have tried four drug classes; "
        "interventionalists at TCTMD welcomed it.",
    )
    spelled = (
        "Medicare grants renal denervation a national coverage determination",
        "Medtronic welcomed the final national coverage determination for renal denervation "
        "in uncontrolled hypertension, covering its Symplicity Spyral system.",
    )
    assert veto(item(1, short, "a"), item(2, spelled, "b", 2)) is None


def test_a_brand_in_one_headline_and_its_generic_in_the_other_is_one_drug() -> None:
    brand = ("Kisqali cuts recurrence in early breast cancer", APPROVAL[1])
    generic = ("Ribociclib cuts recurrence in early breast cancer", REWRITE[1])
    assert not vetoed(item(1, brand, "a"), item(2, generic, "b", 1))


def test_a_combination_brand_in_one_headline_and_its_generics_in_the_other_is_one_story() -> None:
    """ "Trikafta" was a name the other item never mentions (the names veto)."""
    brand = ("Trikafta label expanded to younger children", "")
    generics = ("Elexacaftor, tezacaftor and ivacaftor label expanded to younger children", "")
    assert stories([item(1, brand, "a"), item(2, generics, "b", 2)]) == {1: 1, 2: 1}


@pytest.mark.parametrize(
    ("combination", "other"),
    [
        ("Kaletra", "Paxlovid"),  # lopinavir and ritonavir / nirmatrelvir and ritonavir
        ("Symdeko", "Elexacaftor-tezacaftor-ivacaftor"),  # tezacaftor and ivacaftor, and one more
    ],
)
def test_two_combinations_sharing_generics_are_different_drugs(
    combination: str, other: str
) -> None:
    a = item(1, (f"{combination} label expanded to younger children", ""), "a")
    b = item(2, (f"{other} label expanded to younger children", ""), "b", 1)
    assert veto(a, b) == "headline drugs"


@pytest.mark.parametrize(
    ("combination", "part"),
    [
        ("CagriSema", "Wegovy"),  # cagrilintide and semaglutide / semaglutide, by its brand
        ("CagriSema", "Semaglutide"),
        ("Cobenfy", "Xanomeline"),  # xanomeline and trospium
        ("Paxlovid", "Ritonavir"),  # nirmatrelvir and ritonavir
    ],
)
def test_a_combination_and_one_of_its_generics_are_not_different_drugs(
    combination: str, part: str
) -> None:
    """Novo Nordisk's forecast cut, headed by its CagriSema data in one outlet and by
    Wegovy sales in another."""
    a = item(1, (f"Novo cuts sales forecast after {combination} data", ""), "a")
    b = item(2, (f"Novo cuts sales forecast after {part} data", ""), "b", 1)
    assert veto(a, b) != "headline drugs"


@pytest.mark.parametrize(
    ("lay", "clinical"),
    [
        ("heart attack", "myocardial infarction"),
        ("under-the-skin shot", "subcutaneous injection"),
        ("kidney failure", "renal failure"),
        ("tumour", "tumor"),
        ("superbug", "antimicrobial resistance"),
        ("superbug", "drug-resistant infection"),
    ],
)
def test_plain_and_clinical_names_of_one_thing_share_a_term(lay: str, clinical: str) -> None:
    assert signature(f"{lay} study", "").terms & signature(f"{clinical} study", "").terms - {
        "study"
    }


def test_a_lay_rewrite_of_a_clinical_headline_joins_its_story() -> None:
    clinical = (
        "Inclisiran cuts myocardial infarction after subcutaneous dosing in ORION-4",
        "Twice-yearly subcutaneous inclisiran lowered myocardial infarction rates in ORION-4.",
    )
    lay = (
        "Twice-a-year cholesterol shot cuts heart attacks, ORION-4 finds",
        "An under-the-skin shot given twice a year reduced heart attacks in the ORION-4 study.",
    )
    assert stories([item(1, clinical, "journal"), item(2, lay, "consumer", 3)]) == {1: 1, 2: 1}


LAUNCH = (
    "Lilly wins FDA approval for orforglipron obesity pill",
    "Eli Lilly said the agency cleared orforglipron for adults with obesity. A month's supply "
    "will list at $149 through LillyDirect, its direct-to-patient pharmacy, from early next month.",
)
EXPLAINER = (
    "New weight pill arrives: what family doctors should tell patients",
    "Family doctors will field questions this week about the newly cleared tablet, sold through "
    "LillyDirect. Insurers have yet to say whether they will cover orforglipron, and clinicians "
    "worry about shortages like those that hit injectable therapies. Patients with diabetes, "
    "kidney disease or a history of pancreatitis should talk to their physician first.",
)


def only_the_launch_is_rare(term: str) -> float:
    """The window's rarity of each term: the drug and its pharmacy are news this week."""
    return 1.0 if term in {"orforglipron", "lillydirect"} else 0.1


def test_a_rewrite_hours_after_an_event_may_share_less_of_its_wording_than_days_after() -> None:
    launch = item(1, LAUNCH, "wire")
    hours_later, days_later = item(2, EXPLAINER, "trade", 2), item(3, EXPLAINER, "trade", 40)
    assert passing_score(launch, hours_later, only_the_launch_is_rare) is not None
    assert passing_score(launch, days_later, only_the_launch_is_rare) is None


def test_the_bar_rises_by_half_from_a_day_to_three_days_after_the_first_item() -> None:
    launch = item(1, LAUNCH, "wire")
    bars = [required_score(launch, item(2, EXPLAINER, "trade", hours)) for hours in (12, 48, 72)]
    assert bars == pytest.approx([0.1, 0.125, 0.15])


def test_a_retelling_days_later_must_share_more_than_one_the_same_day() -> None:
    def rare(term: str) -> float:
        return 1.0 if term in {"orforglipron", "lillydirect", "patient", "pill"} else 0.1

    launch = item(1, LAUNCH, "wire")
    same_day, days_later = item(2, EXPLAINER, "trade", 30), item(3, EXPLAINER, "trade", 60)
    assert passing_score(launch, same_day, rare) is not None
    assert passing_score(launch, days_later, rare) is None


def test_items_dated_only_by_when_medfeed_saw_them_never_get_the_lower_bar() -> None:
    launch = item(1, LAUNCH, "wire")
    undated = dataclasses.replace(item(2, EXPLAINER, "trade", 2), dated=False)
    assert passing_score(launch, undated, only_the_launch_is_rare) is None


def test_words_many_items_use_never_lower_the_bar_however_close_in_time() -> None:
    launch, hours_later = item(1, LAUNCH, "wire"), item(2, EXPLAINER, "trade", 2)
    assert passing_score(launch, hours_later, lambda term: 0.3) is None


def crowded_window(size: int = 40) -> list[StoryItem]:
    """Items of as many outlets that use every word of ``COMMON_COPY`` and ``BLAND``."""
    return [
        item(
            100 + n,
            (
                "Weight loss drug trial in adults with obesity",
                f"Weight loss was reported in the semaglutide trial among adults with obesity "
                f"at site {n}. {BLAND}",
            ),
            f"outlet-{n}",
            n / 10,
        )
        for n in range(size)
    ]


COMMON_COPY = "Adults with obesity reported weight loss in the semaglutide trial."
BLAND = "Adverse events were similar in both groups. Experts urged caution over the results."


def test_a_summary_syndicated_word_for_word_is_one_story_however_common_its_words() -> None:
    wire = ("Weight loss drug trial in adults with obesity", COMMON_COPY)
    copies = [item(1, wire, "wire", 5), item(2, wire, "paper", 6)]
    assert stories(crowded_window() + copies)[2] == 1


def test_a_summary_of_sentences_every_outlet_writes_is_no_copy() -> None:
    first = ("FDA approves new inhaler for severe asthma", BLAND)
    second = ("Asthma admissions climb among city children", BLAND)
    found = stories([*crowded_window(), item(1, first, "a", 5), item(2, second, "b", 6)])
    assert found[1] != found[2]


def boilerplate_feed(source: str, topics: Sequence[str], start: int) -> list[StoryItem]:
    """One feed document whose items share a sentence, each about its own topic."""
    texts = [
        (f"{topic} study reports results", f"{topic} was studied in a new cohort. {BOILERPLATE}")
        for topic in topics
    ]
    sigs = document_levels([signature(*text) for text in texts])
    return [
        StoryItem(start + n, source, "news", "news", T0 + timedelta(hours=n), f"g{n}", sig)
        for n, sig in enumerate(sigs)
    ]


def test_a_sentence_a_feed_repeats_carries_no_weight() -> None:
    first = boilerplate_feed("a", ["Tirzepatide", "Lecanemab", "Dupilumab", "Inclisiran"], 1)
    second = boilerplate_feed("b", ["Apixaban", "Finerenone", "Nirsevimab", "Mavacamten"], 11)
    found = stories(first + second)
    assert len(set(found.values())) == 8


KISQALI_TAKE = (
    "Quick takes: Kisqali cleared in early breast cancer, measles in Ontario, dengue in Dhaka",
    "The FDA approved Novartis' Kisqali (ribociclib) for HR-positive early breast cancer at high "
    "risk of recurrence, after the NATALEE trial of 5,101 patients. Ontario reported 12 more "
    "measles cases. Dhaka hospitals admitted 900 dengue patients in a day.",
)
H5N1_TAKE = (
    "Quick takes: H5N1 in Iowa pigs, cholera in Sudan, polio in Pakistan",
    "USDA confirmed H5N1 in a commercial pig herd in Iowa. Sudan reported 2,100 cholera cases. "
    "Pakistan recorded two more wild poliovirus cases.",
)


def feed_document(source: str, texts: Sequence[tuple[str, str]], start: int) -> list[StoryItem]:
    """One fetched feed document: its items' terms weighed by how often it repeats them."""
    sigs = document_levels([signature(*text) for text in texts])
    return [
        StoryItem(start + n, source, "news", "news", T0 + timedelta(hours=start + n), f"g{n}", sig)
        for n, sig in enumerate(sigs)
    ]


def test_a_digest_under_a_label_its_feed_repeats_joins_none_of_its_stories() -> None:
    wire = feed_document("wire", [APPROVAL], 1)
    takes = feed_document("cidrap", [KISQALI_TAKE, H5N1_TAKE], 10)
    assert stories(wire + takes) == {1: 1, 10: 10, 11: 11}


def test_a_column_stays_a_column_when_its_item_is_loaded_back_from_the_database() -> None:
    column = feed_document("cidrap", [KISQALI_TAKE, H5N1_TAKE], 10)[0].sig
    stored = encode_levels(column)
    assert column.boilerplate and with_levels(signature(*KISQALI_TAKE), stored).boilerplate
    assert not signature(*KISQALI_TAKE).boilerplate


def test_a_headline_label_the_feed_uses_once_is_no_column() -> None:
    found = stories(
        feed_document("wire", [APPROVAL], 1) + feed_document("cidrap", [KISQALI_TAKE], 10)
    )
    assert found == {1: 1, 10: 1}


def test_a_one_word_label_an_outlet_heads_its_news_with_is_no_column() -> None:
    studies = [("Study: " + REWRITE[0], REWRITE[1]), ("Study: Night shifts and Parkinson's", BLAND)]
    assert (
        stories(feed_document("wire", [APPROVAL], 1) + feed_document("daily", studies, 10))[10] == 1
    )


def test_a_signature_is_built_from_the_summary_terms_and_the_headline_terms() -> None:
    """``signature`` hands over the two sets it has; the headline's own terms (those the
    summary lacks) follow the summary's, and every term is once in its document."""
    sig = Signature(
        body_terms=frozenset({"insulin", "price"}),
        title_terms=frozenset({"insulin", "cap"}),
        words=("insulin", "price", "cap"),
        abbreviations=frozenset(),
        trials=frozenset(),
        numbers=frozenset(),
        headline_numbers=frozenset(),
        boilerplate=False,
    )
    assert sig.body_terms == {"insulin", "price"} and sig.body_size == 2
    assert sig.title_only == {"cap"}
    assert sig.title_terms == {"insulin", "cap"}
    assert set(sig.terms) == {"insulin", "price", "cap"}
    assert sig.levels == {}
    assert sig.weight("cap") == sig.weight("insulin") > sig.weight("price")


def test_an_interned_signature_weighs_every_pair_as_the_original() -> None:
    [original, other] = document_levels([signature(*APPROVAL), signature(*APPROVAL[::-1])])
    shared = original.interned()
    assert shared.terms == original.terms and shared.levels == original.levels
    assert similarity(shared, other) == similarity(original, other)
    assert shared.norm == original.norm


def test_the_index_lets_go_of_items_long_behind_the_newest_and_keeps_their_stories() -> None:
    index = StoryIndex(min_counted=0)  # no history kept to count terms over
    old = [item(1, APPROVAL, "wire"), item(2, REWRITE, "outlet", 5)]
    decided = {c.item_id: c.story_id for c in index.add(old)}
    assert decided == {1: 1, 2: 1}
    later = T0 + index.window * (HELD + 1)
    news = (
        "Lakeland measles outbreak climbs to 142 cases",
        "Officials in Lakeland County counted 142 measles cases as MMR clinics opened.",
    )
    index.add([item(3, news, "daily", (later - T0) / timedelta(hours=1))])
    assert set(index.items) == {3}


def test_an_item_counted_only_is_never_a_candidate_nor_decided_again() -> None:
    index = StoryIndex()
    index.count(item(1, APPROVAL, "wire"), 1)
    assert index.add([item(2, APPROVAL, "outlet", 1)]) == [Assignment(2, 2, True)]
    assert index.story_of(1) == 1 and index.counted_only(1)


def test_the_index_keeps_its_minimum_of_items_and_its_horizon_says_which() -> None:
    index = StoryIndex(min_counted=2)
    index.add([item(1, APPROVAL, "wire"), item(2, REWRITE, "outlet", 5)])
    far = (index.window * (HELD + 1)) / timedelta(hours=1)
    index.add([item(3, APPROVAL, "agency", far)])
    assert set(index.items) == {2, 3}
    assert index.horizon == index.items[2].published


def test_items_published_at_one_moment_are_let_go_together() -> None:
    """Else ``horizon`` would name a moment whose items are not all held."""
    index = StoryIndex(min_counted=2)
    index.add([item(1, APPROVAL, "wire"), item(2, REWRITE, "outlet")])
    far = (index.window * (HELD + 1)) / timedelta(hours=1)
    index.add([item(3, APPROVAL, "agency", far)])
    assert set(index.items) == {3}


def test_a_member_whose_leader_was_let_go_stays_in_its_story() -> None:
    index = StoryIndex(min_counted=0)  # no history kept to count terms over
    index.add([item(1, APPROVAL, "wire")])
    newest = (index.window * HELD) / timedelta(hours=1) + 1
    # The rewrite is held; its leader is let go when a far newer item arrives.
    index.add([item(2, REWRITE, "outlet", 5), item(3, APPROVAL, "agency", newest)])
    assert 1 not in index.items and 2 in index.items
    index.discard(3)  # any re-decision of the rewrite keeps it where it is
    index.add([item(3, APPROVAL, "agency", newest)])
    assert index.story_of(2) == 1


RETELLERS = (
    *("wire", "outlet", "agency", "daily", "herald"),
    *("tribune", "journal", "post", "times", "gazette"),
)
VERBS = (
    *("approves", "clears", "backs", "authorizes", "okays"),
    *("endorses", "permits", "allows", "sanctions", "green-lights"),
)


def retold_story() -> list[StoryItem]:
    """Ten outlets retell one approval within hours; an eleventh, two days later, shares
    only words that all eleven use ("islet", "type 1 diabetes", "infusion")."""
    tellings = [
        item(
            number + 1,
            (
                f"FDA {verb} Zimvelo islet cell therapy for type 1 diabetes",
                f"The agency {verb} Zimvelo, made from stem cells, for adults with type 1 "
                f"diabetes, {source} reported.",
            ),
            source,
            number * 0.5,
        )
        for number, (source, verb) in enumerate(zip(RETELLERS, VERBS, strict=True))
    ]
    late = (
        "Islet infusions for type 1 diabetes get the nod",
        "A one-time infusion for people whose type 1 diabetes brings dangerous lows got the "
        "nod from regulators on Friday, a first for lab-grown tissue.",
    )
    return [*tellings, item(11, late, "courier", 60)]


def test_a_storys_earlier_items_count_as_one_holder_of_its_words() -> None:
    index = StoryIndex()
    index.add(retold_story())
    leader, late = index.items[1], index.items[11]
    assert index.rarity("islet") == 0.3  # eleven items use it
    assert index.rarity_against(late, leader)("islet") == 1.0  # ten of them are one story
    assert index.story_of(11) == 1


def test_only_the_story_items_before_an_item_count_as_one_for_it() -> None:
    index = StoryIndex()
    index.add(retold_story())
    leader = index.items[1]
    assert index.rarity_against(index.items[3], leader)("islet") == 0.3  # two before it
    assert index.rarity_against(index.items[11], leader)("islet") == 1.0  # all ten


PILL = (
    "Orforglipron cuts weight 12% in ACHIEVE-4",
    "Lilly's orforglipron pill cut weight by 12% in ACHIEVE-4, the company said.",
)


def pill_window() -> list[StoryItem]:
    """A story of two copies, six videos that also name the drug (nine holders of it in all,
    so it is no longer rare in the window), and a later brief weighed against the story."""
    videos = [
        item(
            10 + n,
            (f"Orforglipron video {n}", f"Orforglipron explainer {n}."),
            f"v{n}",
            2 + n,
            "video",
        )
        for n in range(6)
    ]
    brief = item(3, ("Orforglipron pill data", "Orforglipron pill results reported."), "daily", 20)
    return [item(1, PILL, "wire"), item(2, PILL, "outlet", 1), *videos, brief]


def test_a_story_whose_leader_is_stored_again_still_counts_its_copy_as_one_with_it() -> None:
    index = StoryIndex()
    index.add(pill_window())
    counted = index.rarity_against(index.items[3], index.items[1])("orforglipron")
    index.add([item(1, PILL, "wire")])  # an edit: the leader is taken out and put back
    assert index.rarity_against(index.items[3], index.items[1])("orforglipron") == counted == 1.0


def test_a_leader_let_go_and_loaded_back_still_counts_its_copy_as_one_with_it() -> None:
    index = StoryIndex(min_counted=0)  # no history kept to count terms over
    index.add(pill_window())
    newest = (index.window * HELD) / timedelta(hours=1) + 0.5
    index.add([item(99, APPROVAL, "agency", newest)])  # lets the leader go, not the rest
    assert 1 not in index.items and 2 in index.items
    index.load(item(1, PILL, "wire"), 1)  # an old arrival: the store loads its story back
    assert index.rarity_against(index.items[3], index.items[1])("orforglipron") == 1.0


OTHER_DIABETES_NEWS = [
    (
        "CGM sensors recalled over type 1 diabetes alarm fault",
        "Dexcom is recalling sensors whose low-glucose alarm can fail in type 1 diabetes.",
        "daily",
        20,
    ),
    (
        "Insulin price cap extended for type 1 diabetes patients",
        "Medicare will keep the $35 cap on insulin for people with type 1 diabetes.",
        "wire",
        30,
    ),
    (
        "Dexcom recalls CGM sensors as alarms fail",
        "The recall covers sensors whose alarms failed for people with type 1 diabetes.",
        "herald",
        22,
    ),
]


@pytest.mark.parametrize("seed", range(6))
def test_a_much_retold_story_gives_the_same_stories_in_any_arrival_order(seed: int) -> None:
    others = [
        item(20 + number, (title, summary), source, hours)
        for number, (title, summary, source, hours) in enumerate(OTHER_DIABETES_NEWS)
    ]
    everything = [*retold_story(), *others]
    in_order = stories(everything)
    assert in_order[11] == 1 and in_order[20] != 1
    rng = random.Random(seed)
    rng.shuffle(everything)
    index = StoryIndex()
    while everything:
        size = rng.randint(1, 4)
        index.add(everything[:size])
        everything = everything[size:]
    assert {item_id: index.story_of(item_id) for item_id in in_order} == in_order


# --- on the database -------------------------------------------------------------

SOURCES = ("wire", "outlet", "agency", "daily")


@pytest.fixture
def db(store: Store) -> Iterator[Store]:
    with store.session() as session:
        session.execute(
            insert(Source),
            [
                {
                    "id": name,
                    "name": name,
                    "url": f"https://{name}.example/feed",
                    "kind": "news",
                    "label": "news",
                    "interval_seconds": 3600,
                    "created_at": T0,
                }
                for name in SOURCES
            ],
        )
    yield store


def save(
    store: Store,
    rows: Sequence[tuple[str, str, str, float]],
    *,
    defer: bool = False,
    **values: object,
) -> list[int]:
    """Store (title, summary, source, hours) rows as items and assign their stories
    (``defer``: mark them for ``decide_marked``, as a refresh does).

    The rows of one source form one feed document, as a refresh would see them.
    ``values`` are further columns of every row.
    """
    known = {}
    for source in {row[2] for row in rows}:
        texts = [(title, summary) for title, summary, src, _ in rows if src == source]
        known.update(zip(texts, document_levels([signature(*t) for t in texts]), strict=True))
    with store.session() as session:
        ids = [
            int(
                session.execute(
                    insert(Item)
                    .values(
                        **{"kind": "news", "label": "news", **values},
                        source_id=source,
                        guid_key=f"{source}-{title}",
                        title=title,
                        summary=summary,
                        published=T0 + timedelta(hours=hours),
                        content_hash=title,
                        first_seen_at=T0,
                        changed_at=T0,
                    )
                    .returning(Item.id)
                ).scalar_one()
            )
            for title, summary, source, hours in rows
        ]
        if defer:
            story_window(store).mark(StoryRows(session), ids, known)
        else:
            story_window(store).decide(StoryRows(session), ids, known)
    return ids


def decide_marked(store: Store, window: timedelta = DEFAULT_WINDOW) -> int:
    """Decide every item ``save(defer=True)`` marked, as a refresh does after a batch."""
    return store.assign_stories(story_window(store).assign_pending(window=window))


def story_rows(store: Store) -> dict[str, tuple[str, bool]]:
    """title -> (title of its story's representative, is it the representative)."""
    with store.session() as session:
        rows = session.execute(select(Item.id, Item.title, Item.story_id, Item.is_representative))
        found = list(rows)
    titles = {row.id: row.title for row in found}
    return {row.title: (titles[row.story_id or row.id], row.is_representative) for row in found}


def test_a_rewrite_stored_later_joins_the_story_on_the_database(db: Store) -> None:
    save(db, [(*APPROVAL, "wire", 0)])
    save(db, [(*REWRITE, "outlet", 5)])
    assert story_rows(db) == {APPROVAL[0]: (APPROVAL[0], True), REWRITE[0]: (APPROVAL[0], False)}


def test_an_earlier_copy_stored_later_takes_the_lead_on_the_database(db: Store) -> None:
    save(db, [(*REWRITE, "outlet", 5)])
    save(db, [(*APPROVAL, "wire", 0)])
    assert story_rows(db) == {APPROVAL[0]: (APPROVAL[0], True), REWRITE[0]: (APPROVAL[0], False)}


NEEDLE_FREE = (  # shares only the drug's and its pharmacy's names with LAUNCH
    "A needle-free option arrives: what family doctors will be asked this week",
    "Family doctors expect questions from people who dislike needles. Orforglipron ships via "
    "LillyDirect. Insurers have said little so far about paying for it, and stocks of injectable "
    "therapies remain tight across the country this winter, according to several practices "
    "contacted on Monday, while specialists warned that the long-term evidence on heart outcomes "
    "is still being gathered and that people with kidney disease or a history of pancreatitis "
    "should talk it through with their physician before switching from weekly injections.",
)


def test_a_retelling_hours_later_sharing_only_rare_names_joins_on_the_database(db: Store) -> None:
    save(db, [(*LAUNCH, "wire", 0)])
    save(db, [(*NEEDLE_FREE, "outlet", 2)])
    assert story_rows(db)[NEEDLE_FREE[0]] == (LAUNCH[0], False)


DENMARK = (
    "More breast cancers found when software reads mammograms in Denmark",
    "In Denmark, screening mammograms read with artificial intelligence found more breast "
    "cancers and fewer false alarms than radiologists reading alone, a population study shows.",
)
DANISH = (
    "Danish study: software finds more breast cancers, fewer false alarms",
    "Danish researchers found that artificial intelligence reading screening mammograms "
    "detected more breast cancers with fewer false alarms than radiologists alone.",
)
SWEDISH = (
    "Swedish study: software finds more breast cancers, fewer false alarms",
    "Swedish researchers found that artificial intelligence reading screening mammograms "
    "detected more breast cancers with fewer false alarms than radiologists alone.",
)


def test_an_item_naming_danish_researchers_joins_one_naming_denmark_on_the_database(
    db: Store,
) -> None:
    save(db, [(*DENMARK, "wire", 0)])
    save(db, [(*DANISH, "outlet", 3)])
    assert story_rows(db)[DANISH[0]] == (DENMARK[0], False)


def test_reports_of_two_countries_researchers_stay_apart_on_the_database(db: Store) -> None:
    """The hard negative: one study's words, but Danish and Swedish researchers."""
    save(db, [(*DENMARK, "wire", 0)])
    save(db, [(*DANISH, "outlet", 3)])
    save(db, [(*SWEDISH, "agency", 4)])
    assert story_rows(db)[SWEDISH[0]] == (SWEDISH[0], True)


def test_a_report_naming_the_name_of_an_opaque_source_joins_its_item_on_the_database(
    db: Store,
) -> None:
    """The source's id says nothing ("src-17"); its configured name is what reports cite."""
    source = {"name": "American Heart Association", "url": "https://aha.example/feed"}
    with db.session() as session:
        session.execute(
            insert(Source).values(
                id="src-17",
                kind="news",
                label="news",
                interval_seconds=3600,
                created_at=T0,
                **source,
            )
        )
    save(db, [(*NEWSROOM, "src-17", 0)])
    save(db, [(*NEWSROOM_REPORT, "outlet", 2)])
    assert story_rows(db)[NEWSROOM_REPORT[0]] == (NEWSROOM[0], False)


def test_items_their_sources_do_not_date_get_no_lower_bar_on_the_database(db: Store) -> None:
    save(db, [(*LAUNCH, "wire", 0)], published_from="first_seen")
    save(db, [(*NEEDLE_FREE, "outlet", 2)], published_from="first_seen")
    assert story_rows(db)[NEEDLE_FREE[0]] == (NEEDLE_FREE[0], True)


def test_serial_titles_of_one_outlet_stay_apart_on_the_database(db: Store) -> None:
    save(
        db,
        [
            (f"News item {n}: hospital update", "The hospital posted an update today.", "wire", n)
            for n in range(3, 9)
        ],
    )
    assert all(representative for _, representative in story_rows(db).values())


def test_shared_boilerplate_does_not_merge_different_stories_on_the_database(db: Store) -> None:
    topics = ["tirzepatide", "lecanemab", "dupilumab", "inclisiran", "apixaban", "finerenone"]
    feeds = [
        [
            (f"Study of {topic} reports results", f"{topic} was studied. {BOILERPLATE}", source, n)
            for n, topic in enumerate(topics[start : start + 3])
        ]
        for start, source in ((0, "wire"), (3, "outlet"))
    ]
    for feed in feeds:
        save(db, feed)
    assert all(representative for _, representative in story_rows(db).values())


def test_videos_with_different_video_ids_stay_apart_on_the_database(db: Store) -> None:
    talk = "Managing heart failure with preserved ejection fraction: a cardiologist explains"
    about = "Dr. Rivera walks through SGLT2 inhibitors, diuretics and exercise in HFpEF."
    video = {"kind": "video", "video_provider": "youtube"}
    save(db, [(talk, about, "wire", 0)], video_id="aaaaaaaaaaa", **video)
    save(db, [(talk, about, "outlet", 1)], video_id="bbbbbbbbbbb", **video)
    with db.session() as session:
        stories = session.scalars(select(Item.story_id)).all()
    assert len(stories) == 2 and len(set(stories)) == 2


def test_the_same_video_under_two_channels_is_one_story_on_the_database(db: Store) -> None:
    talk = "Managing heart failure with preserved ejection fraction: a cardiologist explains"
    about = "Dr. Rivera walks through SGLT2 inhibitors, diuretics and exercise in HFpEF."
    save(
        db,
        [(talk, about, "wire", 0), (talk, about, "outlet", 1)],
        kind="video",
        video_provider="youtube",
        video_id="aaaaaaaaaaa",
    )
    with db.session() as session:
        stories = session.scalars(select(Item.story_id)).all()
    assert len(stories) == 2 and len(set(stories)) == 1


def test_a_video_in_a_news_story_still_heads_the_videos_list_on_the_database(db: Store) -> None:
    news = save(db, [(*EMBER_NEWS, "wire", 0)])
    video = {"kind": "video", "video_provider": "youtube", "video_id": "aaaaaaaaaaa"}
    clip = save(db, [(*EMBER_VIDEO, "outlet", 20)], **video)
    with db.session() as session:
        assert session.get(Item, clip[0]).story_id == news[0]  # type: ignore[union-attr]
    lists = db.latest_by_kind(T0 + timedelta(days=1))
    assert [entry.id for entry in lists[Kind.VIDEO]] == clip
    assert [entry.id for entry in lists[Kind.NEWS]] == news


def test_the_story_index_is_kept_between_assignments(db: Store) -> None:
    """Rebuilding it from the database on every save made ingest 3x slower."""
    save(db, [(*APPROVAL, "wire", 0)])
    index = story_window(db).index
    save(db, [(*REWRITE, "outlet", 5)])
    assert story_window(db).index is index


def test_deferred_items_keep_their_own_stories_until_the_batch_is_decided(db: Store) -> None:
    save(db, [(*APPROVAL, "wire", 0)], defer=True)
    save(db, [(*REWRITE, "outlet", 5)], defer=True)
    assert all(representative for _, representative in story_rows(db).values())
    assert decide_marked(db) == 2
    assert story_rows(db) == {APPROVAL[0]: (APPROVAL[0], True), REWRITE[0]: (APPROVAL[0], False)}
    assert decide_marked(db) == 0


class FailingAfter:
    """A story step whose transaction fails once the step has decided."""

    def __init__(self, step: StoryStep) -> None:
        self.step = step

    def run(self, rows: StoryRows, touched: Sequence[int]) -> int:
        self.step.run(rows, touched)
        raise RuntimeError("the connection dropped before the commit")

    def abandon(self) -> None:
        self.step.abandon()


def test_a_failed_story_transaction_leaves_no_decision_in_the_process(db: Store) -> None:
    """The index would otherwise remember stories the database never got."""
    save(db, [(*APPROVAL, "wire", 0)], defer=True)
    save(db, [(*REWRITE, "outlet", 5)], defer=True)
    with pytest.raises(RuntimeError):
        db.assign_stories(FailingAfter(story_window(db).assign_pending()))
    assert story_window(db).index is None
    assert all(representative for _, representative in story_rows(db).values())
    assert decide_marked(db) == 2
    assert story_rows(db) == {APPROVAL[0]: (APPROVAL[0], True), REWRITE[0]: (APPROVAL[0], False)}


def test_another_process_decides_what_a_crashed_one_deferred(db: Store, database_url: str) -> None:
    """The mark and the feed weights are stored, so nothing deferred is lost with the process."""
    save(db, [(*APPROVAL, "wire", 0)], defer=True)
    save(db, [(*REWRITE, "outlet", 5)], defer=True)
    other = Store(database_url)
    try:
        assert decide_marked(other) == 2
    finally:
        other.close()
    assert story_rows(db) == {APPROVAL[0]: (APPROVAL[0], True), REWRITE[0]: (APPROVAL[0], False)}


SHUFFLED = [
    (*APPROVAL, "wire", 0),
    (*REWRITE, "outlet", 5),
    (
        "Kisqali gets FDA approval in early breast cancer",
        "Regulators approved Novartis' Kisqali for early breast cancer on the NATALEE results "
        "in 5,101 patients.",
        "agency",
        2,
    ),
    (
        "CDC: measles cases in Lakeland County reach 142",
        "The Lakeland County measles outbreak has reached 142 cases, health officials said.",
        "daily",
        1,
    ),
    (
        "Lakeland measles outbreak climbs to 142 cases",
        "Officials in Lakeland County counted 142 measles cases as MMR clinics opened.",
        "outlet",
        3,
    ),
]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_any_arrival_order_gives_the_same_stories_on_the_database(
    database_url: str, seed: int
) -> None:
    def run(rows: Sequence[tuple[str, str, str, float]]) -> dict[str, tuple[str, bool]]:
        store = Store(database_url)
        try:
            with store.session() as session:
                session.execute(Item.__table__.delete())
                if session.get(Source, "wire") is None:
                    session.execute(
                        insert(Source),
                        [
                            {
                                "id": name,
                                "name": name,
                                "url": f"https://{name}.example/feed",
                                "kind": "news",
                                "label": "news",
                                "interval_seconds": 3600,
                                "created_at": T0,
                            }
                            for name in SOURCES
                        ],
                    )
            for row in rows:
                save(store, [row])
            return story_rows(store)
        finally:
            store.close()

    in_order = run(SHUFFLED)
    shuffled = list(SHUFFLED)
    random.Random(seed).shuffle(shuffled)
    assert run(shuffled) == in_order
    assert len({story for story, _ in in_order.values()}) == 2


# Two hospitals' different news in the same ordinary words, and a small deployment's
# earlier months, in which those words are everyday ones.
FLU_CLINIC = (
    "Hospital officials update patients on the flu vaccine clinic",
    "Hospital officials said patients and families should check visiting hours and parking "
    "before coming for a flu shot this week.",
)
NURSES_STRIKE = (
    "Hospital officials update patients on the nurses strike",
    "Patients and families should check visiting hours and parking before coming this week, "
    "hospital officials said as nurses walked out.",
)
TOWNS = (
    *("Ashford", "Brampton", "Carlisle", "Dover", "Exeter", "Falmouth", "Glossop", "Hexham"),
    *("Ilkley", "Jarrow", "Keswick", "Ludlow", "Malton", "Newark", "Oakham", "Penrith"),
    *("Quorn", "Ripon", "Selby", "Thirsk", "Ulverston", "Ventnor", "Wetherby", "Yarm"),
    *("Alston", "Bakewell", "Corbridge", "Dunster", "Eyam", "Frome", "Goole", "Hawes"),
    *("Ixworth", "Kendal", "Leek", "Morpeth", "Nairn", "Olney", "Pickering", "Rye"),
)
EARLIER_MONTHS = [
    (
        f"{town} hospital officials update patients on visiting hours and parking",
        f"Hospital officials in {town} said patients and families should check visiting hours "
        "and parking before coming this week.",
        SOURCES[number % len(SOURCES)],
        -24 * (30 + number),  # a month and more before: outside every window of the news
    )
    for number, town in enumerate(TOWNS)
]


def fresh_process(database_url: str) -> Store:
    """Another process on the same database (``medfeed refresh`` from cron): its story
    index holds nothing yet."""
    return Store(database_url)


def test_a_fresh_process_counts_earlier_months_so_everyday_words_join_nothing(
    db: Store, database_url: str
) -> None:
    """Counting only the window's few items, a thin deployment's fresh process found
    "hospital officials update patients" rare and joined the two."""
    save(db, EARLIER_MONTHS)
    refresh = fresh_process(database_url)
    try:
        save(refresh, [(*FLU_CLINIC, "wire", 0), (*NURSES_STRIKE, "outlet", 2)])
    finally:
        refresh.close()
    rows = story_rows(db)
    assert rows[FLU_CLINIC[0]] == (FLU_CLINIC[0], True)
    assert rows[NURSES_STRIKE[0]] == (NURSES_STRIKE[0], True)


def test_items_counted_from_earlier_months_are_never_matched(db: Store, database_url: str) -> None:
    """The window rule keeps a copy a month older apart, and the counted one's story
    stays as it was decided."""
    [old] = save(db, [(*APPROVAL, "wire", -24 * 30)])
    before = story_rows(db)
    refresh = fresh_process(database_url)
    try:
        [new] = save(refresh, [(*APPROVAL, "outlet", 0)])
        index = story_window(refresh).index
        assert index is not None and index.counted_only(old) and new in index.items
    finally:
        refresh.close()
    with db.session() as session:
        stories = {row.id: row.story_id for row in session.execute(select(Item.id, Item.story_id))}
    assert stories == {old: old, new: new}
    assert story_rows(db) == {**before, APPROVAL[0]: (APPROVAL[0], True)}


def test_the_newest_items_before_a_moment_come_newest_first_without_events(db: Store) -> None:
    ids = save(db, [(f"Item {n}", f"Summary {n}.", "wire", n) for n in range(5)])
    [event] = save(db, [("Congress", "A conference.", "outlet", 3.5)], kind="conference")
    with db.session() as session:
        rows = StoryRows(session).newest_before(T0 + timedelta(hours=4), 3)
    assert [row.id for row in rows] == [ids[3], ids[2], ids[1]]
    assert event not in ids


@pytest.mark.parametrize("seed", [1, 2])
def test_two_workers_storing_at_once_give_the_stories_of_one(
    db: Store, database_url: str, seed: int
) -> None:
    """Two processes on one database each store half the items and decide stories
    while the other does: the outcome is the one a single process gives."""
    alone = Store(database_url)
    try:
        for row in SHUFFLED:
            save(alone, [row])
        expected = story_rows(alone)
        with alone.session() as session:
            session.execute(Item.__table__.delete())
    finally:
        alone.close()

    rows = list(SHUFFLED)
    random.Random(seed).shuffle(rows)
    halves = (rows[::2], rows[1::2])
    workers = [Store(database_url), Store(database_url)]
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def work(store: Store, mine: Sequence[tuple[str, str, str, float]]) -> None:
        start.wait()
        try:
            for row in mine:
                save(store, [row], defer=True)
                decide_marked(store)
        except BaseException as exc:  # reported by the test, not lost in the thread
            failures.append(exc)

    try:
        threads = [
            threading.Thread(target=work, args=(store, half))
            for store, half in zip(workers, halves, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for store in workers:
            decide_marked(store)  # whatever the other left pending
    finally:
        for store in workers:
            store.close()
    assert failures == []
    assert story_rows(db) == expected


def test_a_process_loads_only_the_new_items_neighbourhoods(db: Store, database_url: str) -> None:
    """With a small window, a batch spread over weeks loads the stored items near
    each new one, not everything in between (loading means analysing their text)."""
    window = timedelta(hours=10)
    spread = [
        (f"Clinic {n} opens a new wing", f"The clinic number {n} opened a wing today.", "wire", h)
        for n, h in enumerate((260, 280, 300))
    ]
    save(db, spread, defer=True)
    decide_marked(db, window)
    other = Store(database_url)
    try:
        save(other, [(*APPROVAL, "outlet", 260.5), (*REWRITE, "daily", 300.5)], defer=True)
        decide_marked(other, window)
        index = story_window(other).index
        assert index is not None
        held = {item.published for item in index.items.values()}
    finally:
        other.close()
    assert held == {T0 + timedelta(hours=h) for h in (260, 260.5, 300, 300.5)}


def test_a_signature_from_the_parse_pool_weighs_every_pair_as_the_original() -> None:
    [original, other] = document_levels([signature(*APPROVAL), signature(*APPROVAL[::-1])])
    arrived = pickle.loads(pickle.dumps(original))
    assert arrived.terms == original.terms and arrived.levels == original.levels
    assert arrived.title_terms == original.title_terms
    assert arrived.body_terms == original.body_terms
    assert similarity(arrived, other) == similarity(original, other)


def test_a_signature_from_the_parse_pool_arrives_holding_the_one_copy_of_each_term() -> None:
    [original] = document_levels([signature(*APPROVAL)])
    arrived = pickle.loads(pickle.dumps(original))
    assert arrived.interned() is arrived
    assert all(term is sys.intern(term) for term in arrived.terms)
    assert all(word is sys.intern(word) for word in arrived.words)
    assert arrived.entities == original.entities and arrived.norm == original.norm
    assert arrived.identifying_terms == original.identifying_terms


def test_the_index_lets_go_of_a_term_with_the_last_item_that_holds_it() -> None:
    index = StoryIndex()
    index.add([item(1, APPROVAL, "wire"), item(2, REWRITE, "outlet", 5)])
    index.discard(1)
    assert index.items.keys() == {2}
    assert index.rarity("ribociclib") == 1.0
    index.discard(2)
    assert not index._holders and not index._postings


def test_one_process_at_a_time_has_the_turn_to_decide_stories(db: Store, database_url: str) -> None:
    """On PostgreSQL the turn is a lock another process cannot take while it is held; on
    SQLite the single writer already serialises everything, so every process has it."""
    other = Store(database_url)
    try:
        assert db.story_turn.take()
        assert other.story_turn.take() is (db.dialect != "postgresql")
        db.story_turn.give_up()
        assert other.story_turn.take()
    finally:
        other.close()


APPROVAL_WIRE = (
    "FDA approves Lilly's orforglipron, the first GLP-1 pill for obesity",
    "The US Food and Drug Administration approved orforglipron for chronic weight management, "
    "Eli Lilly said on Monday, with a starting price of $149 a month.",
)
APPROVAL_EXPLAINER = (
    "Orforglipron: what to know about the newly approved weight loss pill",
    "The once-daily tablet can be taken any time of day, without food or water limits. "
    "Here is how it compares with injections and who may be prescribed it.",
)
TRIAL_NEWS = (
    "Orforglipron keeps weight off after switch from injections",
    "People who moved from weekly shots to the daily pill kept most of the weight they had lost, "
    "Lilly said, in the ATTAIN-MAINTAIN study.",
)


def test_two_headlines_of_one_drugs_approval_need_the_bar_of_one_trial() -> None:
    wire, explainer = item(1, APPROVAL_WIRE, "a"), item(2, APPROVAL_EXPLAINER, "b", 20)
    assert required_score(wire, explainer) == pytest.approx(0.05)


def test_two_headlines_of_one_drug_without_one_event_need_more() -> None:
    wire, trial = item(1, APPROVAL_WIRE, "a"), item(2, TRIAL_NEWS, "b", 20)
    assert required_score(wire, trial) == pytest.approx(0.07)


def test_an_approval_and_a_takeover_in_the_headlines_are_two_events() -> None:
    deal = (
        "Lilly to acquire obesity biotech in $2 billion deal",
        "Eli Lilly agreed to buy a developer of oral obesity drugs for up to $2 billion.",
    )
    assert veto(item(1, APPROVAL_WIRE, "a"), item(2, deal, "b", 3)) == "events"


def test_an_item_never_joins_a_leader_retention_deleted(db: Store) -> None:
    # A purge of a whole story moves no other item: this process's index still held the
    # deleted leader, and the rewrite joined it, hidden from every list of stories.
    wire, _ = save(db, [(*APPROVAL, "wire", 0), ("Clinic hours change", "Open late.", "daily", 1)])
    with db.session() as session:  # (an item after it: SQLite would hand its id out again)
        purge_items(session, [wire], T0 + timedelta(days=1))
    (outlet,) = save(db, [(*REWRITE, "outlet", 5)])
    with db.session() as session:
        story_id, representative = session.execute(
            select(Item.story_id, Item.is_representative).where(Item.id == outlet)
        ).one()
    assert (story_id, representative) == (outlet, True)


def test_a_title_is_read_as_the_plain_text_it_is_stored_as() -> None:
    """Read as HTML, "Why <script> tags …" lost every word after "Why"."""
    title = "Why <script> tags in EHR portals leak PHI"
    assert signature(title, "").headline_words == ("script", "tag", "ehr", "portal", "leak", "phi")
    assert is_explainer_title(title)
