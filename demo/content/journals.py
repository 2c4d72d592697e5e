"""Two fictional journal feeds from one fictional publisher, Meridian Medical Press.

``NMJ_ISSUE`` is the Northern Medical Journal's current-issue table of contents
(rendered as Atypon-style RSS 1.0/RDF); ``ONLINE_FIRST`` is the publisher-wide
"Online First" list (rendered as Atom). An article appears in Online First when
it is published and in the issue TOC later, under another URL: the same DOI
(layer 3). DOIs use the 10.5555 test prefix. Names, trials and results are
invented.
"""

from __future__ import annotations

from .model import Article, at
from .news import LPA_NCT, LUNG_DOI, LUNG_NCT

SITE = "https://meridianjournals.example"
NMJ = "Northern Medical Journal"
CARDIO = "Meridian Cardiology"
INFECT = "Meridian Journal of Infectious Diseases"
ONCO = "Meridian Oncology"
PEDS = "Meridian Pediatrics"

LOCAL_PAGE_DOI = "10.5555/mcard.2026.0388"
CORRECTED_DOI = "10.5555/nmj.2026.0931"


def toc_url(doi: str) -> str:
    """The issue-TOC link form, with Atypon's ``?af=R`` feed marker."""
    return f"{SITE}/doi/full/{doi}?af=R"


def first_url(doi: str) -> str:
    return f"{SITE}/doi/{doi}"


LUNG_ABSTRACT = (
    "<p><b>Background</b> Tarvelimab is a tetravalent bispecific antibody that blocks programmed "
    "death 1 (PD-1) and cytotoxic T-lymphocyte antigen 4 (CTLA-4), designed to concentrate "
    "CTLA-4 blockade in tumours that express PD-1-positive lymphocytes. Whether adding it to "
    "first-line chemotherapy improves survival in advanced non-small cell lung cancer (NSCLC) "
    "has not been established.</p>"
    "<p><b>Methods</b> In this phase 3, double-blind trial conducted at 212 sites in 24 "
    "countries, we randomly assigned 1,046 adults with previously untreated stage IV NSCLC "
    "without sensitising EGFR or ALK alterations and with a PD-L1 tumour proportion score of 1% "
    "or more, in a 1:1 ratio, to tarvelimab (15 mg per kilogram every 3 weeks) or placebo, each "
    "combined with four cycles of platinum doublet chemotherapy followed by maintenance. "
    "Randomisation was stratified by histology, PD-L1 score (1 to 49% vs 50% or more) and "
    "region. The primary end point was overall survival; key secondary end points were "
    "progression-free survival and objective response, assessed by blinded independent central "
    f"review. The trial is registered with ClinicalTrials.gov ({LUNG_NCT}).</p>"
    "<p><b>Results</b> At a median follow-up of 28.6 months, median overall survival was 25.1 "
    "months (95% confidence interval [CI], 22.4 to 28.0) with tarvelimab and 19.4 months (95% "
    "CI, 17.3 to 21.5) with placebo (hazard ratio for death, 0.78; 95% CI, 0.67 to 0.91; "
    "P=0.001). Median progression-free survival was 9.8 and 6.9 months, respectively (hazard "
    "ratio for progression or death, 0.71; 95% CI, 0.62 to 0.82). An objective response "
    "occurred in 54% and 41% of patients. The survival benefit was consistent across "
    "histologic subgroups and was larger among patients with a PD-L1 score of 50% or more "
    "(hazard ratio, 0.66). Grade 3 or higher treatment-related adverse events occurred in 41% "
    "of patients in the tarvelimab group and 33% in the placebo group; immune-mediated "
    "pneumonitis of any grade occurred in 7% and 2%, and treatment-related deaths in 1.9% and "
    "1.1%.</p>"
    "<p><b>Conclusions</b> Among patients with previously untreated PD-L1-positive advanced "
    "NSCLC, adding tarvelimab to platinum doublet chemotherapy resulted in significantly longer "
    "overall and progression-free survival than chemotherapy alone, with more immune-mediated "
    "toxic effects. (Funded by Halvorsen Therapeutics; TARVEL-Lung01 number, "
    f"{LUNG_NCT}.)</p>"
)

LPA_ABSTRACT = (
    "<p><b>Background</b> Elevated lipoprotein(a) [Lp(a)] is a genetically determined, causal "
    "risk factor for atherosclerotic cardiovascular disease that is not lowered meaningfully by "
    "statins or lifestyle change. Tovalaprin is an oral small molecule that disrupts the "
    "binding of apolipoprotein(a) to apolipoprotein B-100 and so prevents Lp(a) particle "
    "assembly. Its effect on cardiovascular events is unknown.</p>"
    "<p><b>Methods</b> We conducted a multinational, randomised, double-blind, "
    "placebo-controlled trial involving 14,212 patients aged 40 to 85 years with established "
    "atherosclerotic cardiovascular disease (previous myocardial infarction, ischaemic stroke "
    "or symptomatic peripheral artery disease) and an Lp(a) concentration of at least 175 nmol "
    "per litre, who were receiving guideline-directed lipid-lowering therapy. Patients were "
    "assigned to tovalaprin 240 mg once daily or placebo. The primary end point was the first "
    "occurrence of cardiovascular death, myocardial infarction, ischaemic stroke or urgent "
    "coronary revascularisation. The trial is registered with ClinicalTrials.gov "
    f"({LPA_NCT}).</p>"
    "<p><b>Results</b> The median baseline Lp(a) concentration was 247 nmol per litre. At 12 "
    "months, tovalaprin had reduced Lp(a) by 69.4 percentage points more than placebo and LDL "
    "cholesterol by 9.8 percentage points more. Over a median follow-up of 3.4 years, a primary "
    "end-point event occurred in 8.9% of patients in the tovalaprin group and 10.7% in the "
    "placebo group (hazard ratio, 0.82; 95% confidence interval, 0.73 to 0.92; P&lt;0.001). The "
    "effect was similar in women and men and across baseline Lp(a) quartiles, although the "
    "absolute risk reduction was largest in the highest quartile. Cardiovascular death did not "
    "differ significantly between groups (2.9% vs 3.2%). Myocardial infarction occurred in "
    "3.6% and 4.6% of patients (hazard ratio, 0.78) and ischaemic stroke in 1.9% and 2.3% "
    "(hazard ratio, 0.83). In a prespecified analysis, patients whose Lp(a) fell below 100 "
    "nmol per litre on treatment had the lowest event rates, supporting a graded relation "
    "between the achieved Lp(a) concentration and risk. Adverse events leading to "
    "discontinuation occurred in 5.1% and 4.7% of patients; mild, reversible increases in "
    "aminotransferase levels were more frequent with tovalaprin (1.4% vs 0.6%). No excess of "
    "new-onset diabetes, bleeding or muscle symptoms was observed. "
    "Longer follow-up will show whether the benefit grows over time, as it did in statin "
    "trials, and whether it extends to primary prevention.</p>"
    "<p><b>Conclusions</b> In patients with atherosclerotic cardiovascular disease and elevated "
    "Lp(a), oral tovalaprin reduced Lp(a) concentrations substantially and lowered the risk of "
    "major cardiovascular events over 3.4 years, as compared with placebo. (Funded by Norrland "
    f"Cardiometabolic; LPA-HORIZON number, {LPA_NCT}.)</p>"
)

RSV_ABSTRACT = (
    "<p><b>Background</b> A long-acting monoclonal antibody against the respiratory syncytial "
    "virus (RSV) fusion protein was offered to all infants born during the 2025–2026 RSV season "
    "and to infants entering their first season, mostly as a single injection on the "
    "maternity ward. Real-world effectiveness against hospitalisation and against the milder "
    "outcomes that drive primary care workload has not been described at national scale.</p>"
    "<p><b>Methods</b> We performed a test-negative case–control study using linked "
    "immunisation, laboratory and hospital records for infants younger than 12 months who "
    "were tested for RSV by polymerase-chain-reaction assay between 1 October 2025 and 31 "
    "March 2026 because of an acute respiratory illness. Cases were infants with a positive "
    "test and controls were infants with a negative test. Effectiveness was estimated as 1 "
    "minus the adjusted odds ratio of antibody receipt, with adjustment for age, calendar week, "
    "region, prematurity, sex and socioeconomic deprivation. Secondary outcomes included "
    "admission to intensive care and emergency department visits without admission.</p>"
    "<p><b>Results</b> Of 18,604 tested infants, 6,211 were cases and 12,393 were controls. "
    "Coverage of the antibody in the eligible birth cohort reached 78.2%, with lower uptake "
    "among infants born at home or transferred between hospitals. Adjusted effectiveness was "
    "82.6% (95% confidence interval [CI], 79.8 to 85.0) against RSV-associated hospital "
    "admission, 86.1% (95% CI, 80.2 to 90.2) against admission to intensive care and 64.9% "
    "(95% CI, 60.3 to 69.0) against emergency department visits without admission. "
    "Effectiveness against hospital admission was 88.3% in the first 90 days after the "
    "injection and 71.5% at 150 days or later. No product-related serious adverse events were "
    "identified in linked pharmacovigilance data.</p>"
    "<p><b>Conclusions</b> A national programme of long-acting RSV monoclonal antibody given at "
    "birth was associated with high effectiveness against severe RSV disease in infants during "
    "its first full season. Waning after five months supports timing the injection to the "
    "local start of the season for infants born before it.</p>"
)

NMJ_ISSUE = (
    Article(  # S2's paper; also in ONLINE_FIRST under another URL (layer 3)
        doi=LUNG_DOI,
        url=toc_url(LUNG_DOI),
        published=at("2026-11-19 17:00", -5),
        title="Tarvelimab plus Chemotherapy in PD-L1–Positive Advanced Non–Small-Cell Lung Cancer",
        authors=("Ingrid Solbakken", "Kwame Asante-Boateng", "Mei-Lin Taoyuan", "Rafael Quintela"),
        journal=NMJ,
        section="Original Article",
        abstract=LUNG_ABSTRACT,
        volume="395",
        issue="21",
        first_page="1987",
    ),
    Article(
        doi="10.5555/nmj.2026.1162",
        url=toc_url("10.5555/nmj.2026.1162"),
        published=at("2026-11-19 17:00", -5),
        title="Oral Tovalaprin and Cardiovascular Events in Patients with Elevated Lipoprotein(a)",
        authors=("Henrik Aaltonen", "Beatriz Corvalán", "Olumide Fashola", "Yuki Morisawa"),
        journal=NMJ,
        section="Original Article",
        abstract=LPA_ABSTRACT,
        volume="395",
        issue="21",
        first_page="1999",
    ),
    Article(
        doi="10.5555/nmj.2026.1171",
        url=toc_url("10.5555/nmj.2026.1171"),
        published=at("2026-11-19 17:00", -5),
        title="Annual versus Semiannual Anti-CD20 Infusions in Relapsing Multiple Sclerosis",
        authors=("Ciara Donnellan", "Pieter van Houten", "Amira Haddad"),
        journal=NMJ,
        section="Original Article",
        abstract=(
            "<p><b>Background</b> Extending the interval between anti-CD20 infusions could "
            "reduce infections and infusion burden in relapsing multiple sclerosis.</p>"
            "<p><b>Methods</b> In a noninferiority trial, 812 patients with stable disease after "
            "two years of semiannual infusions were randomly assigned to continue every 6 "
            "months or switch to every 12 months.</p>"
            "<p><b>Results</b> At 3 years, 91.2% of the annual group and 92.4% of the "
            "semiannual group were free of relapse and new MRI lesions (difference, −1.2 "
            "percentage points; noninferiority margin, −5). Serious infections occurred in 2.1% "
            "and 4.0%.</p><p><b>Conclusions</b> Annual dosing was noninferior in patients with "
            "stable disease.</p>"
        ),
        volume="395",
        issue="21",
        first_page="2011",
    ),
    Article(
        doi="10.5555/nmj.2026.1179",
        url=toc_url("10.5555/nmj.2026.1179"),
        published=at("2026-11-19 17:00", -5),
        title="Early Rhythm Control in Patients Aged 75 Years or Older with Atrial Fibrillation",
        authors=("Gunnhild Berg", "Tomás Echeverría", "Naledi Khumalo"),
        journal=NMJ,
        section="Original Article",
        abstract=(
            "<p><b>Background</b> Whether early rhythm control benefits the oldest patients with "
            "recently diagnosed atrial fibrillation is uncertain.</p><p><b>Methods</b> We "
            "randomly assigned 2,304 patients aged 75 or older with atrial fibrillation "
            "diagnosed within one year to early rhythm control (ablation or antiarrhythmic "
            "drugs) or usual care.</p><p><b>Results</b> Over 4.1 years, the composite of "
            "cardiovascular death, stroke or hospitalisation for heart failure occurred in 17.9% "
            "and 19.6% of patients (hazard ratio, 0.91; 95% CI, 0.76 to 1.08). Falls and "
            "bradycardia requiring a pacemaker were more common with rhythm control.</p>"
            "<p><b>Conclusions</b> Early rhythm control did not significantly reduce "
            "cardiovascular events in older adults.</p>"
        ),
        volume="395",
        issue="21",
        first_page="2023",
    ),
    Article(
        doi="10.5555/nmj.2026.1155",
        url=toc_url("10.5555/nmj.2026.1155"),
        published=at("2026-11-19 17:00", -5),
        title="Zelfoxacin for Complicated Urinary Tract Infection Caused by Carbapenem-Resistant "
        "Enterobacterales",
        authors=("Lucía Ferreyra", "Daniel Okonkwo-Reyes"),
        journal=NMJ,
        section="Brief Report",
        abstract=(
            "<p>In a phase 2 trial involving 180 patients with complicated urinary tract "
            "infection caused by carbapenem-resistant Enterobacterales, zelfoxacin, an inhibitor "
            "of the lipoprotein transport system, produced clinical cure in 74% of patients and "
            "microbiologic eradication in 68%, as compared with 61% and 52% with best available "
            "therapy.</p>"
        ),
        volume="395",
        issue="21",
        first_page="2035",
    ),
    Article(
        doi="10.5555/nmj.2026.1145",
        url=toc_url("10.5555/nmj.2026.1145"),
        published=at("2026-11-19 17:00", -5),
        title="Metabolic Dysfunction–Associated Steatotic Liver Disease in Primary Care",
        authors=("Sarita Venkataraman", "Oskar Lindahl"),
        journal=NMJ,
        section="Review Article",
        abstract=(
            "<p>Steatotic liver disease affects a third of adults. This review sets out a "
            "stepwise approach for primary care: who to test with the FIB-4 score, when to add "
            "elastography, which patients to refer to hepatology, and how weight loss, GLP-1 "
            "receptor agonists and newer liver-directed therapies fit together.</p>"
        ),
        volume="395",
        issue="21",
        first_page="2039",
    ),
    Article(
        doi="10.5555/nmj.2026.1201",
        url=toc_url("10.5555/nmj.2026.1201"),
        published=at("2026-11-19 17:00", -5),
        title="Measles and the Limits of School-Based Catch-Up",
        authors=("Adaeze Nwosu-Hart",),
        journal=NMJ,
        section="Perspective",
        abstract=(
            "<p>School clinics can close immunity gaps quickly, but the children they miss are "
            "the ones outbreaks find first.</p>"
        ),
        volume="395",
        issue="21",
        first_page="2050",
    ),
    Article(  # the erratum: names the DOI it corrects
        doi="10.5555/nmj.2026.1210",
        url=toc_url("10.5555/nmj.2026.1210"),
        published=at("2026-11-19 17:00", -5),
        title="Correction: Household Transmission of Respiratory Syncytial Virus from Infants",
        authors=(),
        journal=NMJ,
        section="Correction",
        abstract=(
            "<p>In the article “Household Transmission of Respiratory Syncytial Virus from "
            f"Infants” (doi:{CORRECTED_DOI}), published on September 17, 2026, the secondary "
            "attack rate among siblings in the Results section of the Abstract should have been "
            "31.4%, not 41.3%. Table 2 has been corrected in the online version.</p>"
        ),
        volume="395",
        issue="21",
        first_page="2056",
    ),
)

ONLINE_FIRST = (
    Article(  # the full text is only on the local page: the extractor must fetch it
        doi=LOCAL_PAGE_DOI,
        url="../pages/mcard-2026-0388.html",
        published=at("2026-11-24 09:00", 0),
        title="Nurse-Led Transitional Care and 90-Day Readmission after Hospitalization for "
        "Heart Failure: A Cluster Randomized Trial",
        authors=("Aoife Gallagher", "Rashid Mahmoud", "Elin Sandvik", "Joaquim Prates"),
        journal=CARDIO,
        section="Original Investigation",
        abstract="",
        summary=(
            "<p>Across 48 hospitals, a nurse-led transitional care programme cut 90-day "
            "readmission after heart failure hospitalization from 31.2% to 24.6%.</p>"
        ),
    ),
    Article(  # second-newest article, with a long abstract in the feed itself
        doi="10.5555/mjid.2026.0712",
        url=first_url("10.5555/mjid.2026.0712"),
        published=at("2026-11-23 09:00", 0),
        title="Effectiveness of a Long-Acting RSV Monoclonal Antibody in Infants: A National "
        "Test-Negative Study",
        authors=("Niamh Corrigan", "Babajide Adeyemi", "Hanna Koskinen", "Marco Albertini"),
        journal=INFECT,
        section="Original Article",
        abstract=RSV_ABSTRACT,
    ),
    Article(  # S2's paper at its Online First URL (layer 3 with the NMJ_ISSUE copy)
        doi=LUNG_DOI,
        url=first_url(LUNG_DOI),
        published=at("2026-11-12 14:05", 0),
        title="Tarvelimab plus Chemotherapy in PD-L1–Positive Advanced Non–Small-Cell Lung Cancer",
        authors=("Ingrid Solbakken", "Kwame Asante-Boateng", "Mei-Lin Taoyuan", "Rafael Quintela"),
        journal=NMJ,
        section="Original Article",
        abstract="",
        summary=(
            "<p>In the phase 3 TARVEL-Lung01 trial, adding tarvelimab to platinum doublet "
            "chemotherapy lengthened median overall survival from 19.4 to 25.1 months in "
            "PD-L1–positive advanced NSCLC.</p>"
        ),
    ),
    Article(
        doi="10.5555/monc.2026.0544",
        url=first_url("10.5555/monc.2026.0544"),
        published=at("2026-11-21 09:00", 0),
        title="Artificial Intelligence as Second Reader in Population Breast Cancer Screening",
        authors=("Signe Thorsdottir", "Farid Benali", "Kathleen Moynihan"),
        journal=ONCO,
        section="Original Article",
        abstract=(
            "<p>In a prospective study of 182,000 screening mammograms, an AI system replacing "
            "the second reader detected 6.9 cancers per 1,000 women screened, against 5.9 with "
            "double human reading, with a similar recall rate (2.7% vs 2.8%).</p>"
        ),
    ),
    Article(
        doi="10.5555/nmj.2026.1213",
        url=first_url("10.5555/nmj.2026.1213"),
        published=at("2026-11-20 14:00", 0),
        title="Colchicine after Ischemic Stroke of Atherosclerotic Origin",
        authors=("Laurent Delcourt", "Keiko Hanamura", "Abebe Tesfaye"),
        journal=NMJ,
        section="Original Article",
        abstract=(
            "<p>Among 3,900 patients with recent noncardioembolic ischaemic stroke, low-dose "
            "colchicine did not significantly reduce recurrent stroke (hazard ratio, 0.90; 95% "
            "CI, 0.77 to 1.05) but lowered the composite of major vascular events (hazard ratio, "
            "0.84).</p>"
        ),
    ),
    Article(
        doi="10.5555/mped.2026.0230",
        url=first_url("10.5555/mped.2026.0230"),
        published=at("2026-11-18 09:00", 0),
        title="Emergency Department Boarding of Adolescents in Mental Health Crisis",
        authors=("Rosa Valdés-Ibarra", "Thomas Achterberg"),
        journal=PEDS,
        section="Research Letter",
        abstract=(
            "<p>In 96 hospitals, adolescents awaiting a psychiatric bed boarded in the "
            "emergency department for a median of 19 hours, compared with 9.5 hours for "
            "adults.</p>"
        ),
    ),
    Article(
        doi="10.5555/mcard.2026.0371",
        url=first_url("10.5555/mcard.2026.0371"),
        published=at("2026-11-16 09:00", 0),
        title="Wearable Patch Monitoring for Atrial Fibrillation after Cardiac Surgery",
        authors=("Mikael Strand", "Chiara Bonfanti"),
        journal=CARDIO,
        section="Original Investigation",
        abstract=(
            "<p>Continuous patch monitoring for 30 days after discharge detected atrial "
            "fibrillation in 18.4% of patients after cardiac surgery, compared with 4.9% "
            "detected by usual care.</p>"
        ),
    ),
    Article(
        doi="10.5555/mjid.2026.0698",
        url=first_url("10.5555/mjid.2026.0698"),
        published=at("2026-11-05 09:00", 0),
        title="Locally Acquired Dengue in Southern Europe, 2026: A Surveillance Report",
        authors=("Giulia Marchetti", "Pau Soler i Vidal", "Hélène Marchand"),
        journal=INFECT,
        section="Surveillance Report",
        abstract=(
            "<p>Between June and October 2026, 340 locally acquired dengue cases were reported "
            "in 41 clusters across three countries, the largest season on record. Clusters "
            "were linked to Aedes albopictus and to imported cases from travellers.</p>"
        ),
    ),
)
