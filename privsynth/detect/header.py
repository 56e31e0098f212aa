"""Header signals: what a column's name says about its content, in several languages.

Names are tokenised (snake_case, camelCase, kebab, digits, accents stripped) and matched
against a keyword lexicon: short keywords (``dob``, ``ssn``, ``zip``, ``plz``, ``tel``) must be a
whole token, long ones (``geburtsdatum``, ``telefonnummer``) may sit inside a compound. The most
specific (longest) keyword wins, and qualifiers such as ``product`` or ``order`` turn an id-like
name (``order_number``, ``product_code``) or ``name`` (``company_name``) into "not a person".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# entity -> (class, keywords). A keyword with a leading "=" only matches whole tokens; one
# with spaces matches that token sequence; other keywords of 6+ letters also match inside a
# compound word. en, de, fr, es, it, nl, pt.
LEXICON: dict[str, tuple[str, list[str]]] = {
    "PERSON": ("direct", [
        "=name", "full name", "fullname", "first name", "firstname", "given name", "givenname",
        "forename", "last name", "lastname", "surname", "family name", "familyname",
        "middle name", "maiden name", "=fname", "=lname", "=nombre", "nombre completo",
        "apellido", "apellidos", "=nom", "nom de famille", "=prenom", "prenoms", "=nome",
        "cognome", "nome completo", "sobrenome", "=naam", "voornaam", "achternaam",
        "tussenvoegsel", "vorname", "nachname", "familienname", "=contact", "contact person",
        "patient name", "customer name", "client name", "employee name", "=signatory",
        "cardholder", "account holder", "=author", "=owner",
    ]),
    "USERNAME": ("direct", [
        "username", "user name", "=login", "=handle", "screen name", "screenname",
        "benutzername", "=nickname", "twitter", "instagram",
    ]),
    "EMAIL_ADDRESS": ("direct", [
        "email", "e mail", "=mail", "mail address", "mailadresse", "correo", "courriel",
        "emailaddress", "posta elettronica",
    ]),
    "PHONE_NUMBER": ("direct", [
        "phone", "telephone", "=tel", "=tel no", "=mobile", "=cell", "cellphone", "=fax",
        "=handy", "telefon", "telefono", "telefone", "celular", "=movil", "=portable",
        "rufnummer", "telefoonnummer", "=gsm", "contact number", "mobilnummer", "=tlf",
        "=telf", "=tfno", "=cellulare", "mobiel",
    ]),
    "US_SSN": ("direct", [
        "=ssn", "social security", "socialsecurity", "=sozialversicherungsnummer",
        "securite sociale", "seguridad social", "=nss", "=nir",
    ]),
    "NATIONAL_ID": ("direct", [
        "national id", "nationalid", "=bsn", "burgerservicenummer", "codice fiscale",
        "codicefiscale", "=nif", "=nie", "=dni", "=cpf", "=rg", "tax id", "taxid", "=tin",
        "steuer id", "steueridentifikationsnummer", "=nino", "national insurance",
        "personalausweis", "id card", "idcard", "identity card", "carte d identite",
        "=aadhaar", "=pesel", "personnummer", "=sin", "=curp", "=rut", "=nhs", "nhs number",
        "steuernummer", "numero fiscal",
    ]),
    "PASSPORT": ("direct", [
        "passport", "reisepass", "passeport", "pasaporte", "passaporto", "paspoort",
        "passaporte",
    ]),
    "DRIVER_LICENSE": ("direct", [
        "driver license", "drivers license", "driving licence", "driving license",
        "driverlicense", "fuhrerschein", "fuehrerschein", "permis de conduire",
        "licencia de conducir", "patente", "rijbewijs",
    ]),
    "CREDIT_CARD": ("direct", [
        "credit card", "creditcard", "card number", "cardnumber", "=cc", "=ccn", "cc number",
        "kreditkarte", "kartennummer", "carte bancaire", "tarjeta", "cartao", "carta di credito",
        "=pan",
    ]),
    "IBAN_CODE": ("direct", ["=iban"]),
    "ACCOUNT_NUMBER": ("direct", [
        "account number", "accountnumber", "account no", "=acct", "bank account",
        "kontonummer", "numero de compte", "numero de cuenta", "numero di conto",
        "rekeningnummer", "numero da conta", "routing number", "=bic", "=swift",
    ]),
    "IP_ADDRESS": ("direct", ["=ip", "ip address", "ipaddress", "=ipv4", "=ipv6", "ip addr"]),
    "MAC_ADDRESS": ("direct", ["=mac", "mac address", "macaddress"]),
    "DEVICE_ID": ("direct", [
        "device id", "deviceid", "=imei", "=udid", "=idfa", "advertising id", "cookie id",
        "=android id",
    ]),
    "URL": ("direct", ["=url", "website", "homepage", "=web", "profile url", "linkedin"]),
    "LICENSE_PLATE": ("direct", [
        "license plate", "licence plate", "number plate", "=plate", "kennzeichen",
        "immatriculation", "=matricula", "=targa", "kenteken", "=placa", "=vin",
    ]),
    "MEDICAL_RECORD_NUMBER": ("direct", [
        "=mrn", "medical record", "medicalrecord", "patient id", "patientid", "patient number",
        "patient no", "chart number", "=chart", "health insurance", "insurance number",
        "insurance id", "member id", "memberid", "policy number", "krankenversicherung",
        "versichertennummer", "patientennummer", "=fallnummer",
    ]),
    "PERSON_ID": ("direct", [
        "customer id", "customerid", "client id", "clientid", "user id", "userid",
        "employee id", "employeeid", "emp id", "=empno", "staff id", "student id", "studentid",
        "passenger id", "passengerid", "person id", "personid", "subscriber id", "citizen id",
        "voter id", "kundennummer", "kunden id", "mitarbeiternummer", "personalnummer",
        "numero client", "id cliente", "klantnummer", "=matricule", "applicant id",
        "borrower id", "guest id", "resident id", "participant id", "subject id",
        "respondent id", "donor id", "beneficiary id", "account id", "accountid",
        "customer number", "customer no", "employee number",
    ]),
    "STREET_ADDRESS": ("direct", [
        "address", "=addr", "street", "street address", "=address line", "adresse",
        "anschrift", "strasse", "hausnummer", "house number", "direccion", "domicilio",
        "=calle", "indirizzo", "=via", "=adres", "straat", "huisnummer", "endereco",
        "=rua", "logradouro", "=rue", "home address", "mailing address",
    ]),
    "ZIP": ("quasi", [
        "=zip", "zipcode", "zip code", "postcode", "post code", "postal code", "postalcode",
        "=postal", "=plz", "postleitzahl", "code postal", "codepostal", "=cp", "codigo postal",
        "=cap", "=cep", "=postcode", "=zip5", "=zip3",
    ]),
    "DATE_OF_BIRTH": ("quasi", [
        "=dob", "birth date", "birthdate", "date of birth", "dateofbirth", "birthday",
        "=born", "geburtsdatum", "geburtstag", "=geboren", "date de naissance", "naissance",
        "fecha de nacimiento", "nacimiento", "data di nascita", "nascita", "geboortedatum",
        "data de nascimento", "nascimento", "=yob", "birth year", "birthyear",
        "year of birth", "=geburtsjahr", "=bday",
    ]),
    "AGE": ("quasi", [
        "=age", "=ages", "=alter", "=edad", "=eta", "=leeftijd", "=idade", "age group",
        "age band", "agegroup", "ageband", "age at", "=age years", "=age yrs",
        "altersgruppe", "tranche d age", "grupo de edad", "fascia di eta",
    ]),
    "GENDER": ("quasi", [
        "=sex", "gender", "geschlecht", "=sexe", "=genre", "=sexo", "genero", "=sesso",
        "geslacht", "=genere", "=salutation", "=anrede", "=civilite",
    ]),
    "ETHNICITY": ("quasi", [
        "=race", "ethnicity", "ethnic", "ethnie", "=etnia", "etnicidad", "=raza",
        "afkomst", "=raca", "ethnic group", "ethnicgroup", "race ethnicity", "herkunft",
    ]),
    "MARITAL_STATUS": ("quasi", [
        "marital", "marital status", "civil status", "familienstand", "etat civil",
        "situation familiale", "estado civil", "stato civile", "burgerlijke staat",
        "=relationship", "married", "=spouse",
    ]),
    "OCCUPATION": ("quasi", [
        "occupation", "=job", "job title", "jobtitle", "profession", "=beruf",
        "berufsbezeichnung", "=metier", "ocupacion", "profesion", "=puesto", "professione",
        "occupazione", "=beroep", "ocupacao", "profissao", "=cargo", "=position",
        "designation", "employment", "=employer", "=role",
    ]),
    "EDUCATION": ("quasi", [
        "education", "=degree", "schooling", "qualification", "=bildung", "=abschluss",
        "schulabschluss", "=diplome", "niveau d etudes", "educacion", "=estudios",
        "istruzione", "titolo di studio", "opleiding", "educacao", "escolaridade",
        "=school", "highest degree",
    ]),
    "NATIONALITY": ("quasi", [
        "nationality", "=country", "native country", "nativecountry", "citizenship",
        "=land", "=pays", "=pais", "=paese", "nationalite", "staatsangehorigkeit",
        "staatsangehoerigkeit", "nacionalidad", "nazionalita", "nationaliteit",
        "nacionalidade", "country of birth", "birthplace", "place of birth", "geburtsort",
        "lieu de naissance", "lugar de nacimiento", "luogo di nascita", "=origin",
        "=language", "mother tongue", "=sprache", "=langue", "=idioma",
    ]),
    "LOCATION": ("quasi", [
        "=city", "=town", "=ort", "=stadt", "=wohnort", "=ville", "=ciudad", "localidad",
        "=citta", "=comune", "=stad", "=plaats", "woonplaats", "=cidade", "municipio",
        "=state", "=province", "=region", "=county", "bundesland", "=provincia",
        "departement", "=district", "=kreis", "=gemeinde", "=locality", "=village",
        "=residence", "=location", "=lat", "=lon", "=lng", "latitude", "longitude",
        "geolocation", "=coordinates", "=gps", "=neighborhood", "=neighbourhood",
        "=suburb", "=borough", "=prefecture",
    ]),
    "DATE": ("quasi", [
        "=date", "=datum", "=fecha", "admission date", "discharge date", "visit date",
        "date of death", "death date", "=dod", "=admitted", "=discharged", "hire date",
        "hiredate", "=date of", "aufnahmedatum", "=deceased",
    ]),
    "HEALTH": ("sensitive", [
        "diagnosis", "diagnose", "diagnostic", "diagnostico", "diagnosi", "disease",
        "=condition", "illness", "=medical", "medication", "prescription", "treatment",
        "symptom", "symptoms", "=icd", "=icd10", "=icd9", "=health", "health status",
        "blood type", "bloodtype", "blood group", "allergy", "allergies", "disability",
        "=hiv", "=cancer", "=diabetes", "krankheit", "erkrankung", "maladie", "enfermedad",
        "malattia", "=ziekte", "=doenca", "medicamento", "pregnancy", "pregnant",
        "mental health", "=bmi", "=smoker", "=smoking", "=alcohol", "=therapy", "=drug",
        "=drugs", "=medicine", "=procedure", "comorbidity", "=outcome",
    ]),
    "RELIGION": ("sensitive", [
        "religion", "religious", "=faith", "konfession", "religione", "godsdienst",
        "religiao", "denomination", "=belief", "=beliefs",
    ]),
    "INCOME": ("sensitive", [
        "income", "salary", "=wage", "=wages", "=pay", "compensation", "=earnings",
        "einkommen", "=gehalt", "=lohn", "=revenu", "salaire", "ingresos", "salario",
        "=sueldo", "=reddito", "stipendio", "=inkomen", "salaris", "=loon", "=renda",
        "net worth", "networth", "credit score", "creditscore", "=debt", "=loan",
    ]),
    "SEXUAL_ORIENTATION": ("sensitive", [
        "sexual orientation", "=orientation", "sexuality", "sexuelle orientierung",
        "orientation sexuelle", "orientacion sexual", "orientamento sessuale",
    ]),
    "POLITICAL_OPINION": ("sensitive", [
        "political", "politics", "=party", "party affiliation", "=vote", "=voting",
        "=partei", "=parti", "=partido", "=partito", "=partij",
    ]),
    "TRADE_UNION": ("sensitive", [
        "trade union", "union member", "union membership", "gewerkschaft", "syndicat",
        "sindicato",
    ]),
    "CRIMINAL_RECORD": ("sensitive", [
        "criminal", "conviction", "convictions", "=offense", "=offence", "=arrest",
        "=arrests", "vorstrafe", "casier judiciaire", "antecedentes penales",
    ]),
    "BIOMETRIC": ("sensitive", [
        "fingerprint", "biometric", "=genetic", "=genome", "=dna", "face id", "=retina",
    ]),
}

# Tokens that make an id-like or name-like header about a thing, not a person.
NOT_PERSON_QUALIFIERS = frozenset({
    "product", "products", "produkt", "produit", "producto", "prodotto", "item", "items",
    "sku", "order", "orders", "bestellung", "commande", "pedido", "ordine", "invoice",
    "rechnung", "facture", "factura", "transaction", "txn", "batch", "lot", "part", "model",
    "ean", "upc", "isbn", "asin", "catalog", "catalogue", "article", "artikel", "company",
    "firma", "business", "brand", "store", "shop", "branch", "file", "filename", "team",
    "hospital", "clinic", "organization", "organisation", "org", "department", "dept",
    "category", "project", "host", "hostname", "domain", "app", "event", "dataset",
    "species", "course", "book", "song", "movie", "film", "track", "album", "ship",
    "vessel", "flight", "vehicle", "device", "sensor", "server", "machine", "warehouse",
    "supplier", "vendor", "merchant", "campaign", "ticket", "session", "request", "job",
    "task", "package", "shipment", "tracking", "region", "country", "city", "street",
    "station", "airport", "school", "university", "bank", "drug", "medication", "test",
    "lab", "color", "colour", "variable", "feature", "column", "field", "table", "record",
    "row", "index", "run", "experiment", "sample", "plan", "policy", "contract", "coupon",
    "promo", "stock", "unit", "room", "building", "site", "location", "venue",
    "restaurant", "hotel", "menu", "dish", "game", "league", "currency", "language",
})

# Words that never make a header about a person's date/age/place on their own.
_GENERIC_ID = frozenset({"id", "uid", "uuid", "guid", "key", "pk", "rowid", "recordid", "record",
                         "identifier", "ident"})


@dataclass(frozen=True)
class HeaderHit:
    """One lexicon keyword found in a column name."""

    entity: str
    cls: str
    keyword: str
    weight: float  # how much the keyword alone says: 0.5 (short, ambiguous) .. 0.9


def normalize(name: str) -> str:
    """Lowercase ASCII with accents stripped, ß→ss."""
    name = name.replace("ß", "ss").replace("ẞ", "ss")
    name = unicodedata.normalize("NFKD", name)
    return "".join(ch for ch in name if not unicodedata.combining(ch)).lower()


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SPLIT = re.compile(r"[^a-z0-9]+|(?<=[a-z])(?=[0-9])|(?<=[0-9])(?=[a-z])")


def tokenize(name: str) -> list[str]:
    """Split a column name into lowercase tokens: 'patientDOB_2' -> ['patient', 'dob', '2']."""
    spaced = _CAMEL.sub(" ", name.replace("ß", "ss"))
    return [t for t in _SPLIT.split(normalize(spaced)) if t]


@lru_cache(maxsize=1)
def _compiled() -> list[tuple[str, str, str, tuple[str, ...], bool]]:
    out = []
    for entity, (cls, words) in LEXICON.items():
        for w in words:
            token_only = w.startswith("=")
            w = w.lstrip("=")
            toks = tuple(tokenize(w))
            compound = not token_only and len("".join(toks)) >= 6
            out.append((entity, cls, w, toks, compound))
    return out


def _has_seq(tokens: list[str], seq: tuple[str, ...]) -> bool:
    n = len(seq)
    return any(tuple(tokens[i : i + n]) == seq for i in range(len(tokens) - n + 1))


@lru_cache(maxsize=4096)
def header_hits(name: str) -> tuple[HeaderHit, ...]:
    """All lexicon keywords found in `name`, most specific first."""
    tokens = tokenize(name)
    joined = "".join(tokens)
    found: dict[str, tuple[int, HeaderHit]] = {}
    for entity, cls, word, toks, compound in _compiled():
        if not toks:
            continue
        hit = _has_seq(tokens, toks) or (compound and "".join(toks) in joined)
        if not hit:
            continue
        length = len("".join(toks))
        weight = 0.9 if length >= 8 else 0.8 if length >= 5 else 0.7
        if entity in ("PERSON", "DATE", "LOCATION", "OCCUPATION", "NATIONALITY") and length < 6:
            weight = 0.6  # "name", "city", "date", "job" and friends are often about things
        prev = found.get(entity)
        if prev is None or length > prev[0]:
            found[entity] = (length, HeaderHit(entity, cls, word, weight))
    hits = sorted(found.values(), key=lambda p: (-p[0], -p[1].weight))
    return tuple(h for _, h in hits)


def about_thing(name: str) -> bool:
    """True when the name qualifies an id/name as a thing's: 'product_code', 'order no'."""
    return bool(set(tokenize(name)) & NOT_PERSON_QUALIFIERS)


def is_generic_id(name: str) -> bool:
    """True for bare record keys: 'id', 'ID', 'record_id', 'key', '#'."""
    tokens = tokenize(name)
    return not tokens or all(t in _GENERIC_ID for t in tokens)


def best_hit(name: str) -> HeaderHit | None:
    """The most specific keyword, after thing-qualifiers veto person-level readings."""
    hits = header_hits(name)
    if not hits:
        return None
    tokens = set(tokenize(name))
    for h in hits:
        qualifiers = (tokens - set(tokenize(h.keyword))) & NOT_PERSON_QUALIFIERS
        if qualifiers and h.entity in _THING_VETOED:
            continue
        return h
    return None


# Readings a thing-qualifier cancels ("product name", "order id", "company phone" stays phone).
_THING_VETOED = frozenset({
    "PERSON", "PERSON_ID", "MEDICAL_RECORD_NUMBER", "ACCOUNT_NUMBER", "DATE", "AGE",
    "USERNAME", "NATIONAL_ID", "OCCUPATION", "EDUCATION", "STREET_ADDRESS", "LOCATION",
    "NATIONALITY", "HEALTH", "URL", "DEVICE_ID", "GENDER", "INCOME", "MARITAL_STATUS",
})
