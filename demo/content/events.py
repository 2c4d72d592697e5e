"""Fictional medical conferences and webinars, 2026–2027, for the demo calendars.

``CALENDAR`` becomes ``feeds/conferences.ics``; ``SOCIETY_RSS`` becomes
``feeds/society-events.xml``, an RSS feed whose items give the event dates only
in their text ("12–14 March 2027, Lisbon"), as many society sites do. The
Iberian Digestive Diseases Week is in both, with the same page URL (layer 2).
"""

from __future__ import annotations

from .model import Event, News, at

EVENTS = "https://events.clinicalsocieties.example/"
IDDW_URL = EVENTS + "iberian-digestive-diseases-week-2027"

CALENDAR = (
    Event(  # past
        uid="geriatrics-frailty-2026@clinicalsocieties.example",
        title="Geriatrics and Frailty Conference 2026",
        start=at("2026-09-23 09:00", 1),
        end=at("2026-09-25 17:00", 1),
        tzid="Europe/Dublin",
        location="Convention Centre Dublin, Spencer Dock, Dublin, Ireland",
        url=EVENTS + "geriatrics-frailty-2026",
        description="Three days on frailty screening, deprescribing, falls prevention and "
        "orthogeriatric models of care.",
        categories=("Geriatrics",),
    ),
    Event(  # past
        uid="autumn-id-symposium-2026@clinicalsocieties.example",
        title="Autumn Infectious Diseases Symposium 2026",
        start=at("2026-10-14 08:30", 2),
        end=at("2026-10-16 16:00", 2),
        tzid="Europe/Vienna",
        location="Austria Center Vienna, Bruno-Kreisky-Platz 1, Vienna, Austria",
        url=EVENTS + "autumn-id-symposium-2026",
        description="Antimicrobial resistance, respiratory virus season planning, and a "
        "late-breaking session on dengue in Europe.",
        categories=("Infectious Disease",),
    ),
    Event(  # past webinar
        uid="webinar-sepsis-bundles-2026-11@clinicalsocieties.example",
        title="Webinar: Updated Sepsis Bundles — What Changes on the Ward",
        start=at("2026-11-10 16:00", 0),
        end=at("2026-11-10 17:00", 0),
        tzid=None,
        location="Online",
        url=EVENTS + "webinar-sepsis-bundles",
        description="A one-hour webinar for ward nurses and junior doctors on the updated "
        "one-hour sepsis bundle and electronic alerts. Recording available to members.",
        categories=("Critical Care", "Webinar"),
    ),
    Event(  # ongoing on 2026-11-25
        uid="apoc-2026@clinicalsocieties.example",
        title="Asia-Pacific Oncology Congress 2026",
        start=at("2026-11-23 00:00", 0),
        end=at("2026-11-28 00:00", 0),
        tzid=None,
        all_day=True,
        location="Marina Bay Convention Centre, Singapore",
        url=EVENTS + "apoc-2026",
        description="Five days of oncology science: late-breaking trials in lung, gastric and "
        "biliary tract cancer, cell therapy, and cancer care in low-resource settings.",
        categories=("Oncology",),
    ),
    Event(  # weekly, recurring
        uid="im-journal-club@riverside-hospital.example",
        title="Internal Medicine Journal Club",
        start=at("2026-09-02 12:30", -5),
        end=at("2026-09-02 13:30", -5),
        tzid="America/Chicago",
        location="Riverside Teaching Hospital, Conference Room 4B, and online",
        url="https://riverside-hospital.example/education/journal-club",
        description="Weekly journal club for residents: one trial, one critical appraisal, "
        "thirty minutes of discussion. This week's paper is posted on Monday.",
        rrule={"FREQ": "WEEKLY", "BYDAY": "WE", "UNTIL": at("2027-06-30 23:59", 0)},
        categories=("Education",),
    ),
    Event(  # upcoming online webinar
        uid="webinar-glp1-primary-care-2026-12@clinicalsocieties.example",
        title="Webinar: GLP-1 Receptor Agonists in Primary Care",
        start=at("2026-12-03 17:00", 1),
        end=at("2026-12-03 18:30", 1),
        tzid="Europe/Berlin",
        location="Online (Zoom webinar)",
        url=EVENTS + "webinar-glp1-primary-care",
        description="Prescribing, supply, side effects and kidney outcomes: a practical session "
        "for general practitioners and practice pharmacists. Free registration.",
        categories=("Endocrinology", "Webinar"),
    ),
    Event(
        uid="nordic-stroke-forum-2026@clinicalsocieties.example",
        title="Nordic Stroke Forum 2026",
        start=at("2026-12-09 09:00", 1),
        end=at("2026-12-11 15:00", 1),
        tzid="Europe/Copenhagen",
        location="Bella Center, Center Boulevard 5, Copenhagen, Denmark",
        url=EVENTS + "nordic-stroke-forum-2026",
        description="Late-window thrombectomy, mobile stroke units and secondary prevention "
        "after atherosclerotic stroke.",
        categories=("Neurology",),
    ),
    Event(
        uid="paeds-respiratory-winter-2027@clinicalsocieties.example",
        title="Paediatric Respiratory Winter Meeting 2027",
        start=at("2027-01-21 09:00", 0),
        end=at("2027-01-22 16:30", 0),
        tzid="Europe/London",
        location="Edinburgh International Conference Centre, Edinburgh, UK",
        url=EVENTS + "paediatric-respiratory-winter-2027",
        description="RSV immunisation in its second season, bronchiolitis pathways and "
        "paediatric critical care capacity.",
        categories=("Pediatrics", "Pulmonology"),
    ),
    Event(
        uid="transatlantic-heart-congress-2027@clinicalsocieties.example",
        title="Transatlantic Heart Congress 2027",
        start=at("2027-02-18 08:00", -5),
        end=at("2027-02-21 13:00", -5),
        tzid="America/New_York",
        location="Hynes Convention Center, 900 Boylston Street, Boston, MA, USA",
        url=EVENTS + "transatlantic-heart-congress-2027",
        description="Joint congress of North American and European cardiology societies: "
        "hypertension guideline sessions, Lp(a) after LPA-HORIZON, and heart failure care.",
        categories=("Cardiology",),
    ),
    Event(  # also in the society RSS feed, same URL (layer 2)
        uid="iddw-2027@clinicalsocieties.example",
        title="Iberian Digestive Diseases Week 2027",
        start=at("2027-03-12 00:00", 0),
        end=at("2027-03-15 00:00", 0),
        tzid=None,
        all_day=True,
        location="Centro de Congressos de Lisboa, Lisbon, Portugal",
        url=IDDW_URL,
        description="Gastroenterology, hepatology and endoscopy: inflammatory bowel disease, "
        "MASLD in primary care, and colorectal cancer screening.",
        categories=("Gastroenterology", "Hepatology"),
    ),
    Event(
        uid="rheum-spring-school-2027@clinicalsocieties.example",
        title="Rheumatology Spring School 2027",
        start=at("2027-04-15 09:00", 2),
        end=at("2027-04-17 13:00", 2),
        tzid="Europe/Rome",
        location="Università degli Studi di Milano, Via Festa del Perdono 7, Milan, Italy",
        url=EVENTS + "rheumatology-spring-school-2027",
        description="An intensive course for trainees on lupus, vasculitis, gout and "
        "musculoskeletal ultrasound.",
        categories=("Rheumatology", "Education"),
    ),
    Event(
        uid="pan-american-diabetes-forum-2027@clinicalsocieties.example",
        title="Pan-American Diabetes Forum 2027",
        start=at("2027-06-10 09:00", -6),
        end=at("2027-06-12 14:00", -6),
        tzid="America/Mexico_City",
        location="Centro Citibanamex, Mexico City, Mexico",
        url=EVENTS + "pan-american-diabetes-forum-2027",
        description="Type 2 diabetes prevention, access to insulin and incretin therapies, "
        "and diabetic kidney disease.",
        categories=("Endocrinology",),
    ),
    Event(
        uid="dermatology-nursing-world-2027@clinicalsocieties.example",
        title="World Congress of Dermatology Nursing 2027",
        start=at("2027-09-08 09:00", 2),
        end=at("2027-09-10 16:00", 2),
        tzid="Africa/Johannesburg",
        location="Cape Town International Convention Centre, Cape Town, South Africa",
        url=EVENTS + "dermatology-nursing-world-2027",
        description="Wound care, psoriasis and eczema education, and teledermatology in "
        "community nursing.",
        categories=("Dermatology",),
    ),
)

SOCIETY = "https://www.clinicalsocieties.example/"

SOCIETY_RSS = (
    News(  # layer 2 with the CALENDAR entry: same URL plus tracking parameters
        guid=SOCIETY + "news/iddw-2027-registration-open",
        url=IDDW_URL + "?utm_source=rss&utm_medium=feed",
        published=at("2026-11-18 10:00", 1),
        title="Iberian Digestive Diseases Week 2027: registration open",
        summary=(
            "<p><strong>12–14 March 2027, Lisbon, Portugal.</strong> Early registration closes "
            "on 15 January. Abstract submission for IBD, hepatology and endoscopy tracks is open "
            "until 10 December.</p>"
        ),
        categories=("Gastroenterology", "Congress"),
    ),
    News(
        guid=SOCIETY + "news/european-sepsis-summit-2027",
        url=EVENTS + "european-sepsis-summit-2027",
        published=at("2026-11-20 09:00", 1),
        title="European Sepsis Summit announced",
        summary=(
            "<p>3–5 February 2027 · Rotterdam, the Netherlands. Two days on early recognition, "
            "antimicrobial stewardship and life after sepsis, with a patient and family "
            "track.</p>"
        ),
        categories=("Critical Care", "Congress"),
    ),
    News(
        guid=SOCIETY + "news/global-mental-health-conference-2027",
        url=EVENTS + "global-mental-health-conference-2027",
        published=at("2026-11-12 15:30", 1),
        title="Call for abstracts: Global Mental Health Conference",
        summary=(
            "<p>The conference takes place April 22-24, 2027 (Toronto, Canada). We welcome "
            "abstracts on youth mental health services, crisis care and digital therapies by "
            "31 January.</p>"
        ),
        categories=("Psychiatry", "Call for Abstracts"),
    ),
    News(
        guid=SOCIETY + "news/webinar-amr-stewardship-december",
        url=EVENTS + "webinar-amr-stewardship",
        published=at("2026-11-24 11:00", 1),
        title="Webinar: antimicrobial stewardship in long-term care",
        summary=(
            "<p>Thursday 10 December 2026, 14:00–15:30 CET, online. Free for members; "
            "certificate of attendance available.</p>"
        ),
        categories=("Infectious Disease", "Webinar"),
    ),
    News(
        guid=SOCIETY + "news/ophthalmology-update-2027",
        url=EVENTS + "ophthalmology-update-2027",
        published=at("2026-11-05 08:30", 1),
        title="Ophthalmology Update 2027: programme published",
        summary=(
            "<p>Date: 6 May 2027. Venue: Royal College lecture theatre, Glasgow. One day on "
            "diabetic retinopathy screening, glaucoma and macular degeneration.</p>"
        ),
        categories=("Ophthalmology", "Congress"),
    ),
    News(
        guid=SOCIETY + "news/surgical-training-days-2027",
        url=EVENTS + "surgical-training-days-2027",
        published=at("2026-11-09 13:00", 1),
        title="Surgical Training Days return to Kraków",
        summary=(
            "<p>From 17 to 19 June 2027 in Kraków, Poland: hands-on laparoscopic and robotic "
            "surgery workshops for trainees, with simulation sessions each afternoon.</p>"
        ),
        categories=("Surgery", "Training"),
    ),
    News(
        guid=SOCIETY + "news/nephrology-winter-school-cancelled",
        url=EVENTS + "nephrology-winter-school-2027",
        published=at("2026-11-23 16:45", 1),
        title="Nephrology Winter School 2027 postponed",
        summary=(
            "<p>The Nephrology Winter School planned for 25–27 January 2027 in Innsbruck is "
            "postponed to the autumn. Registered participants will be refunded.</p>"
        ),
        categories=("Nephrology", "Notice"),
    ),
)
