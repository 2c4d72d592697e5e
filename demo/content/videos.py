"""Two fictional video channels: a YouTube medical-education channel and a hospital's
Vimeo grand rounds. Thumbnails are local SVG files (``demo/thumbs``) so the demo
works offline; video ids are made up and do not resolve on the real sites.
"""

from __future__ import annotations

from .model import Video, at

YOUTUBE_CHANNEL_ID = "UCk7QmR2vXpT9sLwZ4nB8eYa"
YOUTUBE_CHANNEL = "ClinEd Explained"

YOUTUBE = (
    Video(
        id="q3VbT8mKx2A",
        title="Tarvelimab in biliary tract cancer: what the approval means, in 6 minutes",
        published=at("2026-11-20 15:00", 0),
        description="A quick walk through the TARVEL-BTC trial: who was enrolled, the survival "
        "curves, immune-related side effects and where the drug fits next to existing "
        "first-line immunotherapy.",
        duration=382,
        views=18_420,
        thumbnail="../thumbs/q3VbT8mKx2A.svg",
    ),
    Video(
        id="Lp7aHz0r9Qe",
        title="Lipoprotein(a) explained: why LPA-HORIZON matters",
        published=at("2026-11-11 15:00", 0),
        description="What Lp(a) is, why statins do not lower it, and how to read the first "
        "outcome trial of an oral Lp(a) inhibitor. Includes a whiteboard on hazard ratios "
        "versus absolute risk.",
        duration=845,
        views=52_310,
        thumbnail="../thumbs/Lp7aHz0r9Qe.svg",
        updated=at("2026-11-13 08:12", 0),
    ),
    Video(
        id="bP130x80-tG",
        title="The new 130/80 hypertension target: a practical guide for clinic",
        published=at("2026-11-22 15:00", 0),
        description="Measuring blood pressure properly, choosing a single-pill combination, "
        "and when not to push to 130/80 in older or frail patients.",
        duration=1104,
        views=9_876,
        thumbnail="../thumbs/bP130x80-tG.svg",
    ),
    Video(
        id="mEa5l3s_Kd0",
        title="Measles: recognising it in clinic (and why it spreads so fast)",
        published=at("2026-11-18 15:00", 0),
        description="Prodrome, Koplik spots, the rash timeline, complications including "
        "pneumonia and encephalitis, and what to do when you suspect a case.",
        duration=623,
        views=33_051,
        thumbnail="../thumbs/mEa5l3s_Kd0.svg",
    ),
    Video(
        id="sEpS1s_hr1A",
        title="The one-hour sepsis bundle, step by step",
        published=at("2026-11-07 15:00", 0),
        description="Lactate, blood cultures, antibiotics, fluids and vasopressors: the bundle "
        "in order, with common pitfalls on busy wards.",
        duration=734,
        views=61_204,
        thumbnail="../thumbs/sEpS1s_hr1A.svg",
    ),
    Video(
        id="rSVnb0mAb9x",
        title="RSV prevention for infants: antibody or maternal vaccine?",
        published=at("2026-11-04 15:00", 0),
        description="How long-acting monoclonal antibodies and maternal vaccination compare, "
        "timing across the season, and first real-world effectiveness data.",
        duration=912,
        views=27_389,
        thumbnail="../thumbs/rSVnb0mAb9x.svg",
    ),
    Video(
        id="StR0k3-36hW",
        title="Late-window thrombectomy: reading perfusion imaging",
        published=at("2026-11-14 15:00", 0),
        description="Core, penumbra and mismatch: how perfusion CT selects patients for "
        "thrombectomy up to 36 hours after stroke onset.",
        duration=1320,
        views=14_502,
        thumbnail="../thumbs/StR0k3-36hW.svg",
    ),
    Video(
        id="gLP1kdN3y0u",
        title="GLP-1 receptor agonists and the kidney",
        published=at("2026-11-24 15:00", 0),
        description="From weight loss to kidney protection in type 2 diabetes with CKD: the "
        "evidence, combining with SGLT2 inhibitors, and side effects to warn about.",
        duration=996,
        views=4_118,
        thumbnail="../thumbs/gLP1kdN3y0u.svg",
    ),
    Video(
        id="aF75plUsR4c",
        title="Atrial fibrillation in the over-75s: rate or rhythm?",
        published=at("2026-11-21 15:00", 0),
        description="What the latest trial in older adults shows about early rhythm control, "
        "and how to weigh falls, bradycardia and patient preference.",
        duration=701,
        views=7_960,
        thumbnail="../thumbs/aF75plUsR4c.svg",
    ),
)

VIMEO_CHANNEL = "Riverside Teaching Hospital — Grand Rounds"

VIMEO = (
    Video(
        id="1021874411",
        title="Grand Rounds: Heart failure transitions — what a nurse-led programme changed",
        published=at("2026-11-25 13:00", -5),
        description="Our heart failure nurse team presents a year of post-discharge calls, "
        "medication titration clinics and readmission data.",
        duration=3540,
        views=412,
        thumbnail="../thumbs/vimeo-1021874411.svg",
    ),
    Video(
        id="1019532207",
        title="Grand Rounds: Carbapenem-resistant infections on the wards",
        published=at("2026-11-18 13:00", -5),
        description="Infection prevention and infectious diseases colleagues on screening, "
        "isolation and new antibiotics for carbapenem-resistant Enterobacterales.",
        duration=3312,
        views=655,
        thumbnail="../thumbs/vimeo-1019532207.svg",
    ),
    Video(
        id="1017240096",
        title="Grand Rounds: Adolescent mental health in the emergency department",
        published=at("2026-11-11 13:00", -5),
        description="Psychiatry and emergency medicine on reducing boarding times for young "
        "people in crisis.",
        duration=3605,
        views=538,
        thumbnail="../thumbs/vimeo-1017240096.svg",
    ),
    Video(
        id="1014987352",
        title="Grand Rounds: Deprescribing in frail older adults",
        published=at("2026-11-04 13:00", -5),
        description="A geriatrician and a pharmacist on structured medication reviews and "
        "stopping drugs safely.",
        duration=3420,
        views=721,
        thumbnail="../thumbs/vimeo-1014987352.svg",
    ),
    Video(
        id="1012660481",
        title="Grand Rounds: Postpartum haemorrhage — measuring blood loss",
        published=at("2026-10-28 13:00", -5),
        description="Obstetrics and anaesthesia on quantitative blood loss measurement and the "
        "haemorrhage bundle.",
        duration=3275,
        views=804,
        thumbnail="../thumbs/vimeo-1012660481.svg",
    ),
)
