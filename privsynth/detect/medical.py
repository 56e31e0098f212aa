"""Health content: medical code shapes (with their check digits) and medical vocabulary.

- SNOMED CT concept ids: 6-18 digits whose last digit is a Verhoeff check digit and whose
  partition digits (before it) say "concept" (00 or 10). A random integer passes both about
  once in 500, so a column where most values pass is SNOMED.
- LOINC codes ``NNNNN-C`` (check digit by the mod-10 rule LOINC publishes, the Luhn rule),
  NDC product codes ``4-4-2 / 5-3-2 / 5-4-1 / 5-4-2``, ICD-10 codes ``A00.0`` (the dotted form
  is telling on its own; ``A00`` needs a header).
- Medical descriptions: SNOMED semantic tags ("(disorder)", "(procedure)"), drug strengths
  ("325 MG"), dosage forms, disease-name endings (-itis, -osis, -emia, -ectomy...), common
  drug-name stems and a word list of conditions, symptoms and care events.
"""

from __future__ import annotations

import re

import numpy as np

# Verhoeff's dihedral-group tables.
_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6), (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8), (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2), (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4), (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2), (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 8, 7, 6, 0), (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5), (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)


def verhoeff_ok(digits: str) -> bool:
    """The Verhoeff check of a digit string (its last digit is the check digit)."""
    c = 0
    for i, ch in enumerate(reversed(digits)):
        c = _D[c][_P[i % 8][ord(ch) - 48]]
    return c == 0


def snomed_ok(value: str) -> bool:
    """A SNOMED CT concept id: 6-18 digits, concept partition, valid Verhoeff check digit."""
    return (6 <= len(value) <= 18 and value.isdigit() and value[0] != "0"
            and value[-3:-1] in ("00", "10") and verhoeff_ok(value))


def luhn_digit_ok(digits: str) -> bool:
    """Mod-10 (Luhn) check, as LOINC uses for its check digit."""
    total, parity = 0, len(digits) % 2
    for i, ch in enumerate(digits):
        d = ord(ch) - 48
        if i % 2 == parity:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


ICD10_DOTTED = re.compile(r"[A-TV-Z]\d[0-9AB]\.[0-9A-TV-Z]{1,4}")
ICD10 = re.compile(r"[A-TV-Z]\d[0-9AB](?:\.?[0-9A-TV-Z]{1,4})?")
LOINC = re.compile(r"\d{1,5}-\d")
NDC = re.compile(r"\d{4}-\d{4}-\d{2}|\d{5}-\d{3}-\d{2}|\d{5}-\d{4}-\d{1,2}")
CPT = re.compile(r"\d{5}|\d{4}[FTU]")


def code_kind(value: str) -> str | None:
    """The medical code family `value` is shaped like on its own, or None."""
    if NDC.fullmatch(value):
        return "NDC"
    if LOINC.fullmatch(value) and len(value) >= 5 and luhn_digit_ok(value.replace("-", "")):
        return "LOINC"
    if ICD10_DOTTED.fullmatch(value):
        return "ICD-10"
    if snomed_ok(value):
        return "SNOMED CT"
    return None


def code_shares(values: list[str]) -> dict[str, float]:
    """Share of `values` shaped like each code family (unweighted)."""
    if not values:
        return {}
    kinds = [code_kind(v) for v in values]
    out: dict[str, float] = {}
    for k in ("NDC", "LOINC", "ICD-10", "SNOMED CT"):
        s = sum(x == k for x in kinds) / len(values)
        if s:
            out[k] = s
    return out


# SNOMED CT semantic tags in fully specified names.
_TAGS = ("disorder", "finding", "procedure", "situation", "substance", "observable entity",
         "regime/therapy", "body structure", "morphologic abnormality", "clinical drug",
         "medicinal product", "event", "qualifier value", "physical object", "specimen")
_TAG = re.compile(r"\((?:" + "|".join(re.escape(t) for t in _TAGS) + r")\)\s*$", re.I)
_STRENGTH = re.compile(r"\b\d+(?:\.\d+)?\s*(?:mg|mcg|µg|ug|ml|g|meq|unt|iu|units?|%)"
                       r"(?:/(?:ml|mg|hr|actuat|dose))?\b", re.I)
_DOSAGE_FORMS = ("tablet", "tablets", "capsule", "capsules", "injection", "injectable",
                 "solution", "suspension", "syrup", "inhaler", "inhalant", "cream", "ointment",
                 "patch", "transdermal", "syringe", "prefilled", "vial", "oral", "topical",
                 "intravenous", "subcutaneous", "intramuscular", "nasal", "ophthalmic",
                 "chewable", "lozenge", "suppository", "drops", "elixir", "powder", "spray",
                 "auto-injector", "extended release", "delayed release", "sublingual")
# Endings of disease, procedure and drug names.
_MED_SUFFIXES = (
    "itis", "osis", "oses", "emia", "aemia", "oma", "omas", "pathy", "algia", "ectomy",
    "otomy", "ostomy", "plasty", "scopy", "graphy", "uria", "cardia", "rrhea", "rrhoea",
    "penia", "plegia", "trophy", "lysis", "sclerosis", "ectasia", "emesis", "opsy",
    "cillin", "mycin", "cycline", "floxacin", "azole", "pril", "sartan", "olol",
    "dipine", "statin", "prazole", "tidine", "mab", "tinib", "vir", "parin", "afil",
    "triptan", "setron", "lukast", "semide", "thiazide", "formin", "gliptin", "oxetine",
    "azepam", "zolam", "barbital", "caine", "profen", "fenac", "coxib", "olone", "asone",
    "terol", "tropium", "phylline", "dronate", "tretin", "platin", "rubicin", "ximab",
    "zumab", "umab",
)
_MED_WORD_TEXT = """
pain fever cough nausea vomiting diarrhea diarrhoea headache migraine rash fatigue dizziness
infection infections fracture injury injuries sprain strain diabetes diabetic hypertension
asthma cancer carcinoma tumor tumour neoplasm malignant benign disorder disease syndrome
allergy allergic chronic acute viral bacterial pregnancy pregnant pneumonia influenza flu
covid covid-19 sars depression depressive anxiety obesity obese anemia anaemia stroke seizure
seizures epilepsy dementia alzheimer alzheimer's parkinson arthritis osteoarthritis sinusitis
bronchitis otitis pharyngitis dermatitis erythema pruritus oedema edema hypotension insomnia
constipation abscess ulcer wound burn laceration contusion concussion checkup check-up
examination vaccination vaccine immunization immunisation screening prescription
medication medications dose therapy surgery surgical transplant dialysis chemotherapy
radiotherapy radiation symptom symptoms hospital admission emergency inpatient outpatient
ambulatory wellness urgent urgentcare hospice icu intensive clinical clinic diagnosis
diagnosed prenatal postnatal antenatal childbirth delivery caesarean cesarean miscarriage
contraception contraceptive hiv aids hepatitis tuberculosis malaria measles mumps rubella
varicella chickenpox shingles herpes chlamydia gonorrhea syphilis std sti cardiac heart
coronary myocardial infarction angina arrhythmia fibrillation atrial cholesterol
hyperlipidemia hypercholesterolemia renal kidney liver hepatic pulmonary lung copd
emphysema respiratory gastric gastro reflux gerd colitis crohn ibs thyroid hypothyroidism
hyperthyroidism osteoporosis scoliosis sclerosis lupus psoriasis eczema acne anorexia bulimia
schizophrenia bipolar adhd autism psychosis psychiatric mental suicidal suicide overdose
addiction alcoholism alcohol opioid substance smoking smoker tobacco nicotine drug abuse
dependence withdrawal sepsis shock trauma fractured dislocation amputation paralysis
disability blind blindness deaf deafness hearing vision cataract glaucoma dental caries
tooth gingivitis periodontitis anesthesia anaesthesia biopsy mri ct x-ray xray ultrasound
ecg ekg echocardiogram mammogram mammography colonoscopy endoscopy laboratory lab panel
blood urine glucose hemoglobin haemoglobin a1c insulin metformin aspirin acetaminophen
paracetamol ibuprofen naproxen amoxicillin penicillin morphine codeine oxycodone
hydrocodone fentanyl tramadol epinephrine warfarin heparin prednisone prednisolone
hydrocortisone dexamethasone albuterol salbutamol nitroglycerin nitrofurantoin fluoxetine
sertraline citalopram diazepam lorazepam alprazolam vitamin supplement placebo
antibiotic antibiotics antiviral antidepressant analgesic vaccine immunotherapy
hypoglycemia hyperglycemia pruritic nausea vertigo syncope dyspnea dyspnoea tachycardia
bradycardia palpitations edema erythematous abdominal chest thoracic cervical lumbar
spinal neurological neuropathy cognitive impairment developmental prediabetes
hypersensitivity anaphylaxis intolerance gout polyp polyps hernia appendicitis gallstones
cholecystitis pancreatitis cirrhosis fibrosis cystic anemic sore throat streptococcal
encounter follow-up followup consultation referral rehabilitation physiotherapy
physical therapy occupational speech counseling counselling psychotherapy
"""
_MED_WORDS = frozenset(_MED_WORD_TEXT.split())


_WORDS = re.compile(r"[a-z][a-z'\-]+")
_FORMS = frozenset(_DOSAGE_FORMS)


def medical_text(value: str) -> bool:
    """Does `value` read like a diagnosis, procedure, drug or other health description?"""
    low = value.lower()
    words = _WORDS.findall(low)
    if not _MED_WORDS.isdisjoint(words) or not _FORMS.isdisjoint(words):
        return True
    if any(len(w) >= 6 and w.endswith(_MED_SUFFIXES) for w in words):
        return True
    return ("(" in low and _TAG.search(low) is not None) or _STRENGTH.search(low) is not None


def medical_text_mask(values: list[str]) -> np.ndarray:
    """`medical_text` over a list of values."""
    return np.fromiter((medical_text(v) for v in values), dtype=bool, count=len(values))


# Kinds of encounter in health records (Synthea, FHIR Encounter.class, HL7 v3 ActCode).
ENCOUNTER_CLASSES = frozenset({
    "inpatient", "outpatient", "ambulatory", "emergency", "wellness", "urgentcare",
    "urgent care", "home", "home health", "hospice", "snf", "virtual", "telehealth",
    "observation", "pre-admission", "acute", "nonacute", "short stay", "imp", "amb", "emer",
    "obsenc", "prenc", "vr", "hh",
})

# Attributes of adverse events, doses and outcomes (severity, causality, outcome, frequency,
# route): health only beside other health columns ("severe" alone could be anything).
CLINICAL_ATTRIBUTES = frozenset({
    "mild", "moderate", "severe", "life threatening", "life-threatening", "fatal",
    "grade 1", "grade 2", "grade 3", "grade 4", "grade 5", "recovered", "resolved",
    "recovering", "resolving", "not recovered", "not resolved", "recovered/resolved",
    "not recovered/not resolved", "recovering/resolving", "recovered/resolved with sequelae",
    "related", "not related", "possible", "possibly related", "probable",
    "probably related", "remote", "unlikely", "unlikely related", "unrelated", "definite",
    "definitely related", "serious", "non-serious", "not serious", "qd", "bid", "tid", "qid",
    "prn", "qhs", "qod", "qw", "q4h", "q6h", "q8h", "q12h", "once", "daily", "twice daily",
    "oral", "topical", "intravenous", "subcutaneous", "intramuscular", "transdermal",
    "inhalation", "nasal", "ophthalmic", "mg", "ml", "mcg", "g", "iu", "tablet", "capsule",
    "placebo", "dose withdrawn", "dose reduced", "dose not changed", "drug withdrawn",
    "drug interrupted", "not applicable", "unknown",
})
