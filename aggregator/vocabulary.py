"""The default specialty vocabulary: specialty slug -> the keywords that signal it.

Plain data, used when ``config.yaml`` has no ``specialties:`` section and shipped
verbatim in the example ``config.yaml`` so an admin can start from it. It does
not match anything itself; ``aggregator.tagging`` compiles it.

How to write a keyword (the matcher's rules, see ``tagging.Tagger``):

- lower-case or mixed-case words match case-insensitively on word boundaries, with
  an optional plural ``s``/``es``: ``tumor`` also matches "Tumors";
- ALL-CAPS abbreviations match case-sensitively, so ``MI`` never matches the
  Italian "mi" nor ``ALS`` the German "als";
- a space matches any run of spaces or hyphens: ``heart failure`` matches
  "heart-failure".

Abbreviations that are also common words or names in capitals (ALL for acute
lymphoblastic leukaemia, ED, PE, MS, CAD, GP) are left out on purpose: headlines
in capitals would tag everything.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

# fmt: off
DEFAULT_VOCABULARY: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "oncology": (
        "cancer", "tumor", "tumour", "oncology", "oncologist", "carcinoma", "sarcoma", "lymphoma",
        "leukemia", "leukaemia", "melanoma", "myeloma", "glioblastoma", "metastatic", "metastasis",
        "chemotherapy", "immunotherapy", "radiotherapy", "checkpoint inhibitor", "CAR-T", "NSCLC",
        "SCLC", "HCC", "AML", "CLL", "CML", "HER2", "EGFR", "KRAS", "BRCA",
    ),
    "cardiology": (
        "cardiology", "cardiologist", "cardiac", "cardiovascular", "heart", "coronary",
        "myocardial", "myocardial infarction", "heart attack", "heart failure", "arrhythmia",
        "atrial fibrillation", "hypertension", "blood pressure", "angina", "cardiomyopathy",
        "statin", "LDL cholesterol", "stent", "valve replacement", "MI", "STEMI", "NSTEMI",
        "HFrEF", "HFpEF", "TAVR", "TAVI", "PCI", "AF",
    ),
    "infectious-disease": (
        "infection", "infectious", "virus", "viral", "bacterial", "antibiotic", "antimicrobial",
        "antimicrobial resistance", "vaccine", "vaccination", "outbreak", "pathogen", "sepsis",
        "influenza", "measles", "tuberculosis", "malaria", "dengue", "cholera", "mpox", "Ebola",
        "hepatitis", "pneumonia", "covid", "SARS-CoV-2", "COVID-19", "HIV", "AIDS", "RSV", "AMR",
        "TB",
    ),
    "neurology": (
        "neurology", "neurologist", "neurological", "brain", "stroke", "epilepsy", "seizure",
        "dementia", "Alzheimer", "Parkinson", "multiple sclerosis", "migraine", "neuropathy",
        "amyotrophic lateral sclerosis", "myasthenia gravis", "neurodegenerative", "Huntington",
        "ALS", "TIA",
    ),
    "endocrinology": (
        "endocrinology", "endocrine", "diabetes", "diabetic", "insulin", "glucose", "thyroid",
        "obesity", "GLP-1", "semaglutide", "tirzepatide", "HbA1c", "metabolic syndrome",
        "osteoporosis", "T1D", "T2D",
    ),
    "pulmonology": (
        "pulmonology", "pulmonary", "lung", "respiratory", "asthma", "bronchitis", "emphysema",
        "pulmonary fibrosis", "pulmonary embolism", "sleep apnea", "COPD", "IPF",
    ),
    "nephrology": (
        "nephrology", "kidney", "renal", "dialysis", "nephropathy", "glomerular",
        "kidney transplant", "CKD", "AKI", "ESKD", "eGFR",
    ),
    "gastroenterology": (
        "gastroenterology", "gastrointestinal", "colorectal", "colonoscopy", "Crohn",
        "ulcerative colitis", "inflammatory bowel disease", "celiac", "coeliac", "pancreatitis",
        "irritable bowel", "IBD", "IBS", "GERD",
    ),
    "hepatology": (
        "hepatology", "liver", "hepatic", "cirrhosis", "fatty liver", "hepatitis B", "hepatitis C",
        "MASLD", "MASH", "NAFLD", "NASH",
    ),
    "dermatology": (
        "dermatology", "dermatologist", "skin", "psoriasis", "eczema", "atopic dermatitis", "acne",
        "hidradenitis", "vitiligo", "alopecia",
    ),
    "psychiatry": (
        "psychiatry", "psychiatric", "mental health", "depression", "anxiety", "schizophrenia",
        "bipolar", "suicide", "addiction", "substance use", "opioid use disorder",
        "eating disorder", "ADHD", "PTSD", "OCD",
    ),
    "pediatrics": (
        "pediatrics", "pediatric", "paediatric", "child", "children", "childhood", "infant",
        "newborn", "neonate", "neonatal intensive care", "adolescent", "NICU",
    ),
    "obstetrics-gynecology": (
        "obstetrics", "obstetric", "gynecology", "gynaecology", "pregnancy", "pregnant",
        "maternal", "prenatal", "postpartum", "preeclampsia", "endometriosis", "menopause",
        "contraception", "cervical screening", "ovarian", "IVF",
    ),
    "geriatrics": (
        "geriatrics", "geriatric", "older adults", "elderly", "frailty", "falls prevention",
        "nursing home", "long-term care", "care home", "deprescribing",
    ),
    "rheumatology": (
        "rheumatology", "rheumatoid arthritis", "arthritis", "lupus", "gout", "vasculitis",
        "spondyloarthritis", "psoriatic arthritis", "SLE",
    ),
    "hematology": (
        "hematology", "haematology", "anemia", "anaemia", "sickle cell", "hemophilia",
        "haemophilia", "thrombosis", "anticoagulant", "transfusion", "platelet", "bone marrow",
        "leukemia", "leukaemia", "lymphoma", "myeloma", "DVT", "VTE",
    ),
    "ophthalmology": (
        "ophthalmology", "ophthalmic", "eye", "retina", "retinal", "glaucoma", "cataract",
        "macular degeneration", "diabetic retinopathy", "vision loss", "AMD",
    ),
    "public-health": (
        "public health", "epidemiology", "surveillance", "screening programme",
        "screening program", "health policy", "health equity", "mortality rate", "life expectancy",
        "tobacco", "smoking", "alcohol", "air pollution", "immunization", "immunisation", "WHO",
        "CDC", "ECDC", "UKHSA", "NHS",
    ),
    "surgery": (
        "surgery", "surgical", "surgeon", "operative", "laparoscopic", "robotic surgery",
        "transplant", "transplantation", "bariatric", "appendectomy", "anesthesia", "anaesthesia",
    ),
    "radiology": (
        "radiology", "radiologist", "imaging", "MRI", "CT scan", "ultrasound", "mammography",
        "X-ray", "PET", "PET-CT",
    ),
    "critical-care": (
        "critical care", "intensive care", "ICU", "mechanical ventilation", "ventilator",
        "resuscitation", "cardiac arrest", "ARDS", "ECMO",
    ),
    "urology": (
        "urology", "urologist", "prostate", "bladder", "urinary", "kidney stone", "erectile",
        "BPH", "PSA",
    ),
})
# fmt: on

# The specialties whose name is not their slug with a capital and spaces ("Obstetrics
# gynecology"): how the site names them. A configured specialty is named as its key is
# written ("Obstetrics & gynecology": its slug is the same); these stand in for a slug key.
SPECIALTY_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "obstetrics-gynecology": "Obstetrics & gynecology",
    }
)
