"""The three fictional news outlets of the demo and their stories (late November 2026).

Story design (which items merge at which dedupe layer, which must stay apart)
is documented in ``demo/README.md``; the ids in comments (S1, E1, HN1 ...) refer
to it. Everything here is invented: outlets, people, drugs, trials, quotes.
"""

from __future__ import annotations

from .model import News, at

CW = "https://www.clinicalwire.example/news/2026/11/"
HPD = "https://healthpolicydaily.example/articles/"
WRN = "https://wardround.example/stories/"

LUNG_DOI = "10.5555/nmj.2026.1187"
LUNG_NCT = "NCT06480021"
GASTRIC_NCT = "NCT06512877"
BTC_NCT = "NCT06571234"
LPA_NCT = "NCT06390552"

# --- Clinical Wire: RSS 2.0, US Eastern time ----------------------------------------------

CLINICAL_WIRE = (
    News(  # S1 — FDA approval, covered by all three outlets
        guid="cw-2026-11-19-tarvelimab-btc",
        url=CW + "fda-approves-tarvelimab-biliary-tract-cancer",
        published=at("2026-11-19 16:40", -5),
        title="FDA approves tarvelimab for advanced biliary tract cancer",
        summary=(
            "<p>The US Food and Drug Administration on Thursday approved tarvelimab, a PD-1/CTLA-4 "
            "bispecific antibody, in combination with gemcitabine and cisplatin for adults with "
            "unresectable or metastatic biliary tract cancer. The decision rests on the phase 3 "
            f"TARVEL-BTC trial ({BTC_NCT}), in which median overall survival was 16.9 months with "
            "tarvelimab versus 12.7 months with chemotherapy alone (hazard ratio 0.74).</p>"
            "<p>Immune-related hepatitis occurred in 6% of patients. The label carries a boxed "
            "warning for severe colitis.</p>"
        ),
        categories=("Oncology", "FDA", "Approvals"),
        author="Dana Whitcombe",
    ),
    News(  # HN3 — a different approval the same afternoon: must not join S1
        guid="cw-2026-11-19-rovanexin-mg",
        url=CW + "fda-approves-rovanexin-myasthenia-gravis",
        published=at("2026-11-19 17:55", -5),
        title="FDA approves rovanexin for generalized myasthenia gravis",
        summary=(
            "<p>The FDA approved rovanexin, a subcutaneous neonatal Fc receptor blocker given once "
            "weekly, for adults with anti-acetylcholine receptor antibody-positive generalized "
            "myasthenia gravis. In the 26-week MG-ASCEND study, 68% of patients on rovanexin had a "
            "clinically meaningful improvement in daily-living scores, compared with 31% on "
            "placebo. Headache and injection-site reactions were the most common side effects.</p>"
        ),
        categories=("Neurology", "FDA", "Approvals"),
        author="Dana Whitcombe",
    ),
    News(  # S2 — trial readout, also in Ward Round News; HN1 with the gastric item below
        guid="cw-2026-11-12-tarvel-lung01",
        url=CW + "tarvelimab-chemotherapy-nsclc-survival",
        published=at("2026-11-12 09:05", -5),
        title="Tarvelimab plus chemotherapy extends survival in PD-L1-positive NSCLC",
        summary=(
            "<p>Adding tarvelimab to platinum doublet chemotherapy lengthened overall survival "
            "in previously untreated, PD-L1-positive advanced non-small cell lung cancer, "
            "according to "
            f"the phase 3 TARVEL-Lung01 trial ({LUNG_NCT}) presented at the Asia-Pacific Oncology "
            "Congress and published simultaneously in the Northern Medical Journal "
            f"(doi:{LUNG_DOI}).</p><p>Median overall survival was 25.1 months versus 19.4 months "
            "(hazard ratio 0.78). Grade 3 or higher treatment-related adverse events occurred in "
            "41% and 33% of patients, respectively.</p>"
        ),
        categories=("Oncology", "Lung Cancer", "Clinical Trials"),
        author="Marcus Oyelaran",
    ),
    News(  # HN1 — same drug, same day, a different trial: must not join S2
        guid="cw-2026-11-12-tarvel-gastric02",
        url=CW + "tarvelimab-chemotherapy-gastric-cancer-survival",
        published=at("2026-11-12 09:20", -5),
        title="Tarvelimab plus chemotherapy improves survival in HER2-negative gastric cancer",
        summary=(
            "<p>In a second phase 3 readout for tarvelimab on the same day, the TARVEL-Gastric02 "
            f"trial ({GASTRIC_NCT}) found that the bispecific antibody added to fluoropyrimidine "
            "and oxaliplatin chemotherapy improved overall survival in HER2-negative advanced "
            "gastric or gastro-oesophageal junction adenocarcinoma: 15.2 months versus 12.9 "
            "months (hazard ratio 0.83). The benefit was confined to tumours with a combined "
            "positive score of 5 or more.</p>"
        ),
        categories=("Oncology", "Gastric Cancer", "Clinical Trials"),
        author="Marcus Oyelaran",
    ),
    News(  # S4 — outbreak, also in Health Policy Daily
        guid="cw-2026-11-17-measles-lakeland",
        url=CW + "measles-outbreak-lakeland-142-cases",
        published=at("2026-11-17 11:30", -5),
        title="Measles outbreak in Lakeland County reaches 142 cases",
        summary=(
            "<p>Health officials in Lakeland County reported 142 confirmed measles cases since "
            "early October, 118 of them in unvaccinated children. Nineteen people have been "
            "admitted to hospital, including three with pneumonia. The county has opened walk-in "
            "MMR clinics at six schools and asked clinicians to isolate suspected cases and report "
            "them within 24 hours.</p>"
        ),
        categories=("Infectious Disease", "Outbreaks", "Vaccines"),
        author="Priya Nandakumar",
    ),
    News(  # E1 — original of a story Health Policy Daily links with utm_* and a fragment
        guid="cw-2026-11-10-sepsis-alert",
        url=CW + "sepsis-alert-rollout-deaths-fall",
        published=at("2026-11-10 07:45", -5),
        title="Hospital sepsis deaths fall 11% after national alert system rollout",
        summary=(
            "<p>In-hospital deaths from sepsis fell by 11% in the year after 212 hospitals adopted "
            "an electronic early-warning alert that prompts lactate testing and antibiotics within "
            "an hour, an analysis of 1.4 million admissions found. Alert fatigue remained a "
            "concern: nurses overrode 38% of alerts.</p>"
        ),
        categories=("Critical Care", "Infectious Disease", "Quality Improvement"),
        author="Priya Nandakumar",
    ),
    News(  # E2 — original of a story Ward Round News links over http with an upper-case host
        guid="cw-2026-11-06-rsv-antibody",
        url=CW + "rsv-infant-antibody-uptake-first-season",
        published=at("2026-11-06 10:15", -5),
        title="RSV antibody uptake in infants reaches 78% in first full season",
        summary=(
            "<p>Nearly four in five infants born during the RSV season received a long-acting "
            "monoclonal antibody before discharge from the maternity ward, and RSV-related "
            "admissions of infants under six months fell by 61% compared with the previous "
            "winter, surveillance data show.</p>"
        ),
        categories=("Pediatrics", "Infectious Disease"),
        author="Lena Hartigan",
    ),
    News(  # HN2 — weekly digest: same boilerplate title as Ward Round News, different week content
        guid="cw-2026-11-20-week-cardiology",
        url=CW + "this-week-in-cardiology-nov-20",
        published=at("2026-11-20 15:00", -5),
        title="This week in cardiology",
        summary=(
            "<p>Our weekly round-up: a registry study questions routine beta-blockers after "
            "uncomplicated MI; transcatheter valve durability data at eight years; and why "
            "cardiac rehabilitation referrals still lag for women.</p>"
        ),
        categories=("Cardiology", "Weekly Digest"),
        author="Clinical Wire staff",
    ),
    News(
        guid="cw-2026-11-04-flu-early-rise",
        url=CW + "influenza-like-illness-early-rise-south",
        published=at("2026-11-04 13:10", -5),
        title="Influenza-like illness rising early across southern states, CDC says",
        summary=(
            "<p>Outpatient visits for influenza-like illness crossed the national baseline three "
            "weeks earlier than last season, driven by influenza A(H3N2) in southern states. "
            "Officials urged vaccination and early antiviral treatment for high-risk patients.</p>"
        ),
        categories=("Infectious Disease", "Influenza", "Surveillance"),
        author="Lena Hartigan",
    ),
    News(
        guid="cw-2026-11-05-air-pollution-cognition",
        url=CW + "air-pollution-cognitive-decline-cohort",
        published=at("2026-11-05 09:00", -5),
        title="Long-term fine-particle exposure linked to faster cognitive decline",
        summary=(
            "<p>Among 21,000 adults followed for 14 years, each 5 µg/m³ increase in long-term "
            "PM2.5 exposure was associated with cognitive decline equivalent to 1.6 additional "
            "years of ageing. The association was strongest in people living near major roads.</p>"
        ),
        categories=("Neurology", "Public Health", "Environment"),
        author="Marcus Oyelaran",
    ),
    News(
        guid="cw-2026-11-09-antibiotic-cre",
        url=CW + "novel-antibiotic-carbapenem-resistant-phase-2",
        published=at("2026-11-09 14:25", -5),
        title="Novel antibiotic shows activity against carbapenem-resistant infections",
        summary=(
            "<p>Zelfoxacin, a first-in-class inhibitor of bacterial lipoprotein transport, cured "
            "74% of complicated urinary tract infections caused by carbapenem-resistant "
            "Enterobacterales in a 180-patient phase 2 trial. A phase 3 study is planned for "
            "2027.</p>"
        ),
        categories=("Infectious Disease", "Antimicrobial Resistance"),
        author="Priya Nandakumar",
    ),
    News(
        guid="cw-2026-11-13-thrombectomy-window",
        url=CW + "stroke-thrombectomy-late-window-trial",
        published=at("2026-11-13 08:50", -5),
        title=(
            "Thrombectomy up to 36 hours after stroke onset improves function in selected patients"
        ),
        summary=(
            "<p>Patients with large-vessel occlusion stroke and a small core infarct on perfusion "
            "imaging benefited from thrombectomy performed 24 to 36 hours after they were last "
            "seen well: 39% were functionally independent at 90 days, versus 22% with medical "
            "therapy.</p>"
        ),
        categories=("Neurology", "Stroke"),
        author="Lena Hartigan",
    ),
    News(
        guid="cw-2026-11-16-infusion-pump-recall",
        url=CW + "infusion-pump-software-recall-class-i",
        published=at("2026-11-16 18:05", -5),
        title="Infusion pump software flaw prompts Class I recall",
        summary=(
            "<p>A manufacturer has recalled the software of 41,000 large-volume infusion pumps "
            "after reports that a rate change entered during a bolus could be silently ignored. "
            "Two serious injuries have been reported. Hospitals are asked to install an update "
            "and to double-check rate changes in the meantime.</p>"
        ),
        categories=("Patient Safety", "Devices", "Recalls"),
        author="Dana Whitcombe",
    ),
    News(
        guid="cw-2026-11-23-glp1-kidney",
        url=CW + "glp1-receptor-agonist-kidney-outcomes-type-2-diabetes",
        published=at("2026-11-23 10:40", -5),
        title="GLP-1 drug slows kidney function loss in type 2 diabetes with CKD",
        summary=(
            "<p>In 3,500 people with type 2 diabetes and chronic kidney disease, a weekly GLP-1 "
            "receptor agonist reduced the composite of kidney failure, a 50% fall in eGFR or "
            "kidney death by 21% over a median of 3.1 years. Benefits were consistent whether or "
            "not patients also took an SGLT2 inhibitor.</p>"
        ),
        categories=("Endocrinology", "Nephrology", "Diabetes"),
        author="Marcus Oyelaran",
    ),
    News(
        guid="cw-2026-11-24-teen-mental-health-ed",
        url=CW + "adolescent-mental-health-emergency-visits-boarding",
        published=at("2026-11-24 12:00", -5),
        title="Adolescents wait longest for psychiatric beds, emergency department audit finds",
        summary=(
            "<p>Young people aged 12 to 17 who came to emergency departments in a mental health "
            "crisis waited a median of 19 hours for an inpatient bed, twice as long as adults, an "
            "audit of 96 hospitals found. Authors call for paediatric crisis units.</p>"
        ),
        categories=("Psychiatry", "Pediatrics", "Emergency Medicine"),
        author="Lena Hartigan",
    ),
)

# --- Health Policy Daily: Atom, London time (GMT in November) -----------------------------

HEALTH_POLICY_DAILY = (
    News(  # S1
        guid="tag:healthpolicydaily.example,2026-11-19:tarvelimab-approval",
        url=HPD + "us-regulator-clears-tarvelimab-bile-duct-cancer",
        published=at("2026-11-19 22:05", 0),
        title="US regulator clears tarvelimab as first-line option in bile duct cancer",
        summary=(
            "<p>American regulators have given the green light to tarvelimab for people with "
            "advanced cancers of the bile ducts and gallbladder, to be given alongside standard "
            "gemcitabine–cisplatin chemotherapy. Approval followed the TARVEL-BTC study, where "
            "patients lived a median of 16.9 months on the combination compared with 12.7 months "
            "on chemotherapy alone.</p><p>A European decision is expected in the first half of "
            "2027; the list price has not yet been disclosed.</p>"
        ),
        categories=("Regulation", "Cancer", "Drug Approvals"),
        author="Harriet Osei",
    ),
    News(  # S4
        guid="tag:healthpolicydaily.example,2026-11-18:lakeland-measles",
        url=HPD + "lakeland-measles-cases-climb-mmr-clinics",
        published=at("2026-11-18 08:30", 0),
        title="Lakeland measles cases climb past 140 as schools host MMR clinics",
        summary=(
            "<p>A measles outbreak centred on Lakeland County has grown to 142 confirmed cases, "
            "most in children who had not been vaccinated, and 19 patients have needed hospital "
            "care. Public health staff are running vaccination sessions at six schools and have "
            "told doctors to report suspected infections within a day.</p>"
        ),
        categories=("Public Health", "Vaccination", "Outbreaks"),
        author="Tomasz Wierzbicki",
    ),
    News(  # S3 — Lp(a) trial, also in Ward Round News
        guid="tag:healthpolicydaily.example,2026-11-09:lpa-horizon",
        url=HPD + "oral-lipoprotein-a-drug-cuts-heart-attacks-strokes",
        published=at("2026-11-09 17:20", 0),
        title="Oral lipoprotein(a) pill cuts heart attacks and strokes by 18% in large trial",
        summary=(
            "<p>Tovalaprin, a once-daily tablet that blocks the assembly of lipoprotein(a), "
            "reduced major cardiovascular events by 18% among 14,200 people with established "
            f"cardiovascular disease and high Lp(a) levels in the LPA-HORIZON trial ({LPA_NCT}). "
            "It is the first Lp(a)-lowering therapy to show an outcome benefit. Payers will "
            "now weigh whether to fund routine Lp(a) testing.</p>"
        ),
        categories=("Cardiology", "Drug Pricing", "Clinical Trials"),
        author="Harriet Osei",
    ),
    News(  # S5 — guideline, also in Ward Round News
        guid="tag:healthpolicydaily.example,2026-11-20:bp-guideline",
        url=HPD + "joint-hypertension-guideline-130-80-target",
        published=at("2026-11-20 10:00", 0),
        title="New joint hypertension guideline sets 130/80 target for most adults",
        summary=(
            "<p>A guideline issued jointly by the Transatlantic Hypertension Guideline Committee "
            "lowers the blood pressure treatment target to below 130/80 mmHg for most adults "
            "under 80, including those with diabetes or chronic kidney disease, and recommends "
            "starting with a single-pill combination. Commissioners expect more patients to need "
            "two or three drugs.</p>"
        ),
        categories=("Cardiology", "Guidelines"),
        author="Tomasz Wierzbicki",
    ),
    News(  # E1 — Clinical Wire's URL with utm_* parameters and a fragment
        guid="tag:healthpolicydaily.example,2026-11-10:partner-sepsis",
        url=(
            CW + "sepsis-alert-rollout-deaths-fall"
            "?utm_source=healthpolicydaily&utm_medium=rss&utm_campaign=partner-content#main"
        ),
        published=at("2026-11-10 15:10", 0),
        title="Hospital sepsis deaths fall 11% after national alert system rollout",
        summary=(
            "<p>From our partners at Clinical Wire: in-hospital sepsis deaths fell by 11% after "
            "212 hospitals adopted an electronic early-warning alert.</p>"
        ),
        categories=("Partner Content", "Hospitals"),
        author="Clinical Wire",
    ),
    News(  # E3 — the original of a story Ward Round News links with a trailing slash
        guid="tag:healthpolicydaily.example,2026-11-14:negotiation-list",
        url=HPD + "drug-price-negotiation-list-2028",
        published=at("2026-11-14 07:00", 0),
        title="Fifteen medicines named for the next round of drug price negotiation",
        summary=(
            "<p>Two anticoagulants, three diabetes drugs, an inhaler for COPD and a biologic for "
            "psoriasis are among 15 medicines selected for the next round of government price "
            "negotiation, with new prices taking effect in 2028. Manufacturers have 30 days to "
            "sign agreements.</p>"
        ),
        categories=("Drug Pricing", "Health Policy"),
        author="Harriet Osei",
    ),
    News(  # E4 — the original of a story Ward Round News links with utm_* and fbclid
        guid="tag:healthpolicydaily.example,2026-11-11:medical-school-places",
        url=HPD + "medical-school-places-rise-workforce-plan",
        published=at("2026-11-11 09:45", 0),
        title="Medical school places to rise by 1,500 under workforce plan",
        summary=(
            "<p>Universities will offer 1,500 additional medical school places from next "
            "September, the first step of a ten-year workforce plan. Critics say training posts "
            "for graduates, not undergraduate places, are the bottleneck.</p>"
        ),
        categories=("Workforce", "Medical Education"),
        author="Tomasz Wierzbicki",
    ),
    News(  # HN4 — weekly digest with a boilerplate title, two different weeks
        guid="tag:healthpolicydaily.example,2026-11-13:week-in-review",
        url=HPD + "week-in-review-2026-11-13",
        published=at("2026-11-13 18:00", 0),
        title="Health Policy Daily: the week in review",
        summary=(
            "<p>Medical school expansion, a sepsis alert success story, and the Lp(a) trial that "
            "has payers reaching for their calculators.</p>"
        ),
        categories=("Weekly Digest",),
        author="Health Policy Daily",
    ),
    News(  # HN4
        guid="tag:healthpolicydaily.example,2026-11-20:week-in-review",
        url=HPD + "week-in-review-2026-11-20",
        published=at("2026-11-20 18:00", 0),
        title="Health Policy Daily: the week in review",
        summary=(
            "<p>A measles outbreak tests school vaccination clinics, 15 medicines face price "
            "negotiation, and a hypertension guideline that will keep pharmacists busy.</p>"
        ),
        categories=("Weekly Digest",),
        author="Health Policy Daily",
    ),
    News(
        guid="tag:healthpolicydaily.example,2026-11-03:sugar-levy",
        url=HPD + "sugar-levy-extended-milk-drinks",
        published=at("2026-11-03 11:15", 0),
        title="Sugar levy to be extended to sweetened milk drinks from 2028",
        summary=(
            "<p>Milk-based drinks with more than 5 g of added sugar per 100 ml will be taxed from "
            "2028, closing the main exemption in the soft drinks levy. Dentists and obesity "
            "researchers welcomed the move; dairy producers called it a tax on calcium.</p>"
        ),
        categories=("Public Health", "Obesity", "Tax"),
        author="Harriet Osei",
    ),
    News(
        guid="tag:healthpolicydaily.example,2026-11-06:waiting-lists",
        url=HPD + "elective-waiting-list-falls-third-month",
        published=at("2026-11-06 09:30", 0),
        title="Elective waiting list falls for third month running",
        summary=(
            "<p>The waiting list for planned hospital treatment fell by 84,000 in September, the "
            "third consecutive monthly fall, helped by surgical hubs that ring-fence beds for hip "
            "and knee replacements and cataract surgery.</p>"
        ),
        categories=("Hospitals", "Surgery", "Performance"),
        author="Tomasz Wierzbicki",
    ),
    News(
        guid="tag:healthpolicydaily.example,2026-11-16:dementia-diagnosis-rate",
        url=HPD + "dementia-diagnosis-rate-target-missed",
        published=at("2026-11-16 12:40", 0),
        title="Dementia diagnosis rate stalls below target as blood tests await approval",
        summary=(
            "<p>Only 63% of people estimated to have dementia have a formal diagnosis, short of "
            "the 66.7% target. Memory services say blood-based biomarker tests for Alzheimer's "
            "disease could halve waits for specialist assessment once approved.</p>"
        ),
        categories=("Dementia", "Diagnostics"),
        author="Harriet Osei",
    ),
    News(
        guid="tag:healthpolicydaily.example,2026-11-24:winter-plan",
        url=HPD + "winter-plan-virtual-wards-respiratory",
        published=at("2026-11-24 07:30", 0),
        title="Winter plan leans on virtual wards for respiratory patients",
        summary=(
            "<p>Health services will add 2,000 virtual ward places this winter, mostly for "
            "people with COPD and heart failure who can be monitored at home with pulse oximeters "
            "and daily video calls, to free hospital beds during the respiratory virus peak.</p>"
        ),
        categories=("Winter Pressures", "Respiratory", "Digital Health"),
        author="Tomasz Wierzbicki",
    ),
)

# --- Ward Round News: JSON Feed 1.1, Central European time ---------------------------------

WARD_ROUND_NEWS = (
    News(  # S1
        guid="wrn-48213",
        url=WRN + "48213-tarvelimab-fda-biliary-tract-cancer",
        published=at("2026-11-20 08:10", 1),
        title="Tarvelimab wins FDA nod in biliary tract cancer after phase 3 survival gain",
        summary=(
            "<p>Tarvelimab has been approved in the United States for first-line treatment of "
            "advanced biliary tract cancer together with gemcitabine and cisplatin. In the "
            "TARVEL-BTC study the bispecific antibody added about four months of median survival "
            "(16.9 vs 12.7 months). “For a disease where we had one immunotherapy option, a "
            "second is meaningful,” said Dr Ilse Brandvold, a hepatobiliary oncologist in "
            "Bergen who was not involved in the trial.</p>"
        ),
        categories=("oncology", "regulatory"),
        author="Jonas Feldmark",
        image="../thumbs/news-tarvelimab.svg",
    ),
    News(  # S2
        guid="wrn-48007",
        url=WRN + "48007-tarvelimab-lung-cancer-phase-3",
        published=at("2026-11-12 18:30", 1),
        title="Adding tarvelimab to chemo lengthens lung cancer survival, phase 3 shows",
        summary=(
            "<p>Patients with untreated advanced non-small cell lung cancer expressing PD-L1 "
            "lived longer when tarvelimab was added to platinum-based chemotherapy: median "
            "overall survival reached 25.1 months compared with 19.4 months in the TARVEL-Lung01 "
            f"study ({LUNG_NCT}). Serious side effects were more common with the combination. "
            f"The results appear in the Northern Medical Journal (doi:{LUNG_DOI}).</p>"
        ),
        categories=("oncology", "lung cancer", "trials"),
        author="Jonas Feldmark",
    ),
    News(  # S3
        guid="wrn-48120",
        url=WRN + "48120-tovalaprin-lpa-horizon",
        published=at("2026-11-10 07:45", 1),
        title="First oral Lp(a) drug reduces cardiovascular events in LPA-HORIZON",
        summary=(
            "<p>Tovalaprin lowered lipoprotein(a) by 69% and cut the risk of heart attack, "
            "stroke or cardiovascular death by 18% over 3.4 years in 14,200 patients with "
            "atherosclerotic disease and Lp(a) of at least 175 nmol/L. It is the first time "
            "lowering Lp(a) has been shown to prevent events.</p>"
        ),
        categories=("cardiology", "trials"),
        author="Sofie Lindqvist",
    ),
    News(  # S5
        guid="wrn-48266",
        url=WRN + "48266-hypertension-guideline-single-pill",
        published=at("2026-11-21 09:15", 1),
        title="Hypertension guideline: aim below 130/80 and start with a single-pill combination",
        summary=(
            "<p>The updated transatlantic hypertension guideline recommends a blood pressure "
            "target under 130/80 mmHg for most adults younger than 80, including people with "
            "diabetes or kidney disease, and advises starting treatment with two drugs in one "
            "pill rather than stepping up from monotherapy.</p>"
        ),
        categories=("cardiology", "guidelines"),
        author="Sofie Lindqvist",
    ),
    News(  # E2 — Clinical Wire's URL over http with an upper-case host
        guid="wrn-47902",
        url="http://WWW.ClinicalWire.example/news/2026/11/rsv-infant-antibody-uptake-first-season",
        published=at("2026-11-07 10:00", 1),
        title="RSV antibody uptake in infants reaches 78% in first full season",
        summary=(
            "<p>Via Clinical Wire: RSV admissions of young infants fell by 61% after a long-acting "
            "antibody was offered on maternity wards.</p>"
        ),
        categories=("paediatrics", "syndicated"),
        author="Clinical Wire",
    ),
    News(  # E3 — Health Policy Daily's URL with a trailing slash and a fragment
        guid="wrn-48150",
        url=HPD + "drug-price-negotiation-list-2028/#comments",
        published=at("2026-11-14 12:30", 1),
        title="Fifteen medicines named for the next round of drug price negotiation",
        summary=(
            "<p>Via Health Policy Daily: anticoagulants, diabetes drugs, a COPD inhaler and a "
            "psoriasis biologic are on the list.</p>"
        ),
        categories=("policy", "syndicated"),
        author="Health Policy Daily",
    ),
    News(  # E4 — Health Policy Daily's URL with utm_* and fbclid
        guid="wrn-48088",
        url=(
            HPD + "medical-school-places-rise-workforce-plan"
            "?utm_source=newsletter&utm_medium=email&fbclid=IwAR2xQ7demoClickId"
        ),
        published=at("2026-11-11 16:20", 1),
        title="Medical school places to rise by 1,500 under workforce plan",
        summary="<p>Via Health Policy Daily: 1,500 extra places from next September.</p>",
        categories=("policy", "education", "syndicated"),
        author="Health Policy Daily",
    ),
    News(  # HN2 — two weekly digests with the same title as each other and as Clinical Wire's
        guid="wrn-48010",
        url=WRN + "48010-this-week-in-cardiology",
        published=at("2026-11-13 17:00", 1),
        title="This week in cardiology",
        summary=(
            "<p>Lp(a) finally has an outcome trial, a wearable patch that spots atrial "
            "fibrillation after cardiac surgery, and new data on colchicine after stroke.</p>"
        ),
        categories=("cardiology", "digest"),
        author="Ward Round News",
    ),
    News(  # HN2
        guid="wrn-48240",
        url=WRN + "48240-this-week-in-cardiology",
        published=at("2026-11-20 17:00", 1),
        title="This week in cardiology",
        summary=(
            "<p>The 130/80 hypertension target is back, heart failure nurses prevent "
            "readmissions, and a large registry on anticoagulation in frail older adults with "
            "atrial fibrillation.</p>"
        ),
        categories=("cardiology", "digest"),
        author="Ward Round News",
    ),
    News(
        guid="wrn-47850",
        url=WRN + "47850-dengue-vaccine-campaign-europe",
        published=at("2026-11-03 14:00", 1),
        title="Southern Europe plans dengue vaccination for travellers after local transmission",
        summary=(
            "<p>After a summer with 340 locally acquired dengue cases along the Mediterranean "
            "coast, three health ministries will offer a two-dose dengue vaccine to residents "
            "with a previous infection who travel to endemic regions.</p>"
        ),
        categories=("infectious disease", "vaccines", "travel medicine"),
        author="Sofie Lindqvist",
        image="../thumbs/news-dengue.svg",
    ),
    News(
        guid="wrn-47960",
        url=WRN + "47960-psoriasis-oral-il23",
        published=at("2026-11-08 11:30", 1),
        title="Oral IL-23 receptor blocker clears psoriasis in half of patients at 16 weeks",
        summary=(
            "<p>An oral peptide that blocks the interleukin-23 receptor achieved 90% skin "
            "clearance in 51% of patients with moderate-to-severe plaque psoriasis, against 6% "
            "on placebo, in a 700-patient phase 3 study.</p>"
        ),
        categories=("dermatology", "trials"),
        author="Jonas Feldmark",
    ),
    News(
        guid="wrn-48175",
        url=WRN + "48175-hip-fracture-orthogeriatrics",
        published=at("2026-11-17 08:00", 1),
        title="Orthogeriatric care within 72 hours lowers hip fracture mortality",
        summary=(
            "<p>Older adults with a hip fracture who were assessed by a geriatrician within 72 "
            "hours of admission had 30-day mortality of 6.1%, compared with 8.4% for those "
            "assessed later, in a national audit of 61,000 patients.</p>"
        ),
        categories=("geriatrics", "surgery"),
        author="Sofie Lindqvist",
    ),
    News(
        guid="wrn-48290",
        url=WRN + "48290-postpartum-haemorrhage-bundle",
        published=at("2026-11-22 10:30", 1),
        title="Postpartum haemorrhage bundle halves severe bleeding in maternity units",
        summary=(
            "<p>Early detection with calibrated drapes plus a treatment bundle of uterotonics, "
            "tranexamic acid and massage reduced severe postpartum haemorrhage from 2.4% to 1.1% "
            "of births across 80 maternity units.</p>"
        ),
        categories=("obstetrics", "maternal health"),
        author="Jonas Feldmark",
        image="../thumbs/news-maternity.svg",
    ),
    News(
        guid="wrn-48311",
        url=WRN + "48311-ai-mammography-screening",
        published=at("2026-11-24 15:45", 1),
        title="AI second reader finds 17% more cancers in breast screening programme",
        summary=(
            "<p>Replacing the second human reader with an artificial intelligence system in a "
            "breast screening programme increased cancer detection by 17% without raising "
            "recall rates, and cut radiologist reading time by 44%.</p>"
        ),
        categories=("radiology", "oncology", "screening"),
        author="Sofie Lindqvist",
    ),
)
