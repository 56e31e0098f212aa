"""The header lexicon: which words in a column name point at which kind of personal data.

Data only; `header.py` tokenises names and matches them against it. Keyword syntax:

- ``"birth date"``: a sequence of whole tokens (after the name is split on case, separators,
  digits and known compound words); keywords of 8+ letters also match as the tail of a
  compound token (``kundengeburtsdatum``), never in the middle of one;
- ``"=tel"``: one whole token only, never the tail of a compound;
- ``"==first"``: the whole name and nothing else (``FIRST``, not ``first_seen``).

Languages: en, de, fr, es, it, nl, pt, plus the terse abbreviations real schemas use
(dob, mgr, ext, tel, ssn, mrn, zip, dept, pos, dx, rx, yr, ...). Entities follow the corpus
labelling guide (benchmarks/scan_corpus/LABELLING.md).
"""

from __future__ import annotations

# People named in a row by their role: "<role> id" is a key of a person table, "<role> name"
# a name, and the bare role is either (content decides).
ROLE_NOUNS = (
    "customer", "client", "user", "employee", "emp", "staff", "student", "pupil", "patient",
    "passenger", "person", "subscriber", "voter", "applicant", "borrower", "guest",
    "resident", "participant", "subject", "respondent", "donor", "beneficiary", "member",
    "player", "actor", "actress", "author", "artist", "driver", "rider", "physician",
    "doctor", "nurse", "clinician", "practitioner", "therapist", "caregiver", "teacher",
    "instructor", "manager", "mgr", "supervisor", "boss", "rep", "salesperson", "agent",
    "owner", "tenant", "landlord", "buyer", "seller", "contact", "recipient", "sender",
    "candidate", "contributor", "volunteer", "worker", "officer", "judge", "lawyer",
    "attorney", "victim", "suspect", "offender", "defendant", "prisoner",
    "athlete", "coach", "composer", "director", "writer", "singer", "musician", "host",
    "speaker", "winner", "reviewer", "kunde", "kunden", "mitarbeiter", "patienten",
    "cliente", "usuario", "utilisateur", "paciente", "empleado", "adherent", "eleve",
    "individual", "householder", "parent", "provider", "prescriber",
)
# Roles that are just as often an organisation (a provider can be a hospital): weaker, and
# dropped in a table about organisations.
AMBIGUOUS_ROLES = frozenset({"provider", "owner", "agent", "host", "contact", "member",
                             "recipient", "sender", "rep", "seller", "buyer", "director"})
# Role nouns whose bare form or "<role> name" names a person shown in a row about something
# else (a track's composer, a film's director).
NAMING_ROLES = ("director", "composer", "author", "actor", "actress", "artist", "writer",
                "singer", "musician", "owner", "driver", "player", "coach", "judge",
                "physician", "doctor", "nurse", "manager", "supervisor", "officer", "lead")

_ID_WORDS = ("id", "no", "nr", "num", "number", "key", "code", "ref", "nummer", "numero")


def _role_keys() -> list[str]:
    out = []
    for r in ROLE_NOUNS:
        out += [f"{r} {w}" for w in _ID_WORDS]
        out.append(f"={r}")
    return out


def _role_names() -> list[str]:
    out = []
    for r in ROLE_NOUNS:
        if r == "user":
            continue  # "user name" is a login
        out += [f"{r} name", f"{r} first name", f"{r} last name", f"{r} full name"]
    return out


LEXICON: dict[str, tuple[str, list[str]]] = {
    "PERSON": ("direct", [
        "=name", "=names", "full name", "fullname", "first name", "firstname", "given name",
        "givenname", "forename", "last name", "lastname", "surname", "family name",
        "familyname", "middle name", "maiden name", "=maiden", "=fname", "=lname", "=mname",
        "=nombre", "nombre completo", "apellido", "apellidos", "=nom", "nom de famille",
        "=prenom", "prenoms", "=nome", "cognome", "nome completo", "sobrenome", "=naam",
        "voornaam", "achternaam", "tussenvoegsel", "vorname", "nachname", "familienname",
        "contact person", "contact name", "=signatory", "cardholder", "account holder",
        "nickname", "=nick", "preferred name", "birth name", "==first", "==last",
        "==middle", "==given", "name first", "name last", "name given", "name middle",
        "name full", "official full", "=composer", "=director", "=author", "=artist",
        "=actor", "=actress", "=singer", "=writer", "=coach", "=judge", "=physician",
        "lead actor", "lead actress", "head of state", "head of government", "=leader",
        "=president", "=chairman", "=chairperson", "=chairwoman", "=ceo", "=founder",
        "=mayor", "=governor", "=senator", "=representative", "=minister", "=monarch",
        "=king", "=queen", "=maire", "=elu", "=depute", "=senateur",
        *_role_names(),
    ]),
    "USERNAME": ("direct", [
        "username", "user name", "=login", "=handle", "screen name", "screenname",
        "benutzername", "twitter", "instagram", "facebook", "youtube",
        "mastodon", "tiktok", "snapchat", "=github", "=reddit", "telegram", "=skype",
        "linkedin", "=ident", "=authuser", "=auth", "=ruser", "=logname", "=uname",
    ]),
    "EMAIL_ADDRESS": ("direct", [
        "email", "e mail", "=mail", "mail address", "mailadresse", "correo", "courriel",
        "emailaddress", "email address", "e mail address", "posta elettronica",
    ]),
    "PHONE_NUMBER": ("direct", [
        "phone", "telephone", "=tel", "=tel no", "=mobile", "=cell", "cellphone", "=fax",
        "=handy", "telefon", "telefono", "telefone", "celular", "=movil", "=portable",
        "rufnummer", "telefoonnummer", "=gsm", "contact number", "mobilnummer", "=tlf",
        "=telf", "=tfno", "=cellulare", "mobiel", "=extension", "=ext", "phone ext",
        "=telecopie", "=pager", "=phones",
    ]),
    "US_SSN": ("direct", [
        "=ssn", "social security", "socialsecurity", "=sozialversicherungsnummer",
        "securite sociale", "seguridad social", "=nss", "=nir",
    ]),
    "NATIONAL_ID": ("direct", [
        "national id", "nationalid", "=bsn", "burgerservicenummer", "codice fiscale",
        "codicefiscale", "=nif", "=nie", "=dni", "=cpf", "tax id", "taxid", "=tin",
        "steuer id", "steueridentifikationsnummer", "=nino", "national insurance", "ni number",
        "ni no", "personalausweis", "id card", "idcard", "identity card",
        "carte d identite", "=aadhaar", "=pesel", "personnummer", "=sin", "=curp", "=rut",
        "=nhs", "nhs number", "steuernummer", "numero fiscal",
    ]),
    "PASSPORT": ("direct", [
        "passport", "reisepass", "passeport", "pasaporte", "passaporto", "paspoort",
        "passaporte",
    ]),
    "DRIVER_LICENSE": ("direct", [
        "driver license", "drivers license", "driving licence", "driving license",
        "driverlicense", "driver licence", "drivers licence", "=licence number",
        "license number", "=dl number", "fuhrerschein", "fuehrerschein", "permis de conduire",
        "licencia de conducir", "rijbewijs",
    ]),
    "CREDIT_CARD": ("direct", [
        "credit card", "creditcard", "card number", "cardnumber", "=cc", "=ccn", "cc number",
        "=card", "kreditkarte", "kartennummer", "carte bancaire", "tarjeta", "cartao",
        "carta di credito", "=pan",
    ]),
    "IBAN_CODE": ("direct", ["=iban"]),
    "ACCOUNT_NUMBER": ("direct", [
        "account number", "accountnumber", "account no", "=acct", "bank account",
        "kontonummer", "numero de compte", "numero de cuenta", "numero di conto",
        "rekeningnummer", "numero da conta", "routing number", "=bic", "=swift",
    ]),
    "IP_ADDRESS": ("direct", ["=ip", "ip address", "ipaddress", "=ipv4", "=ipv6", "ip addr",
                              "client ip", "clientip", "remote addr", "=rhost"]),
    "MAC_ADDRESS": ("direct", ["=mac", "mac address", "macaddress"]),
    "DEVICE_ID": ("direct", [
        "device id", "deviceid", "=imei", "=udid", "=idfa", "advertising id", "cookie id",
        "=android id",
    ]),
    "URL": ("direct", ["=url", "website", "homepage", "=web", "profile url", "contact form",
                       "=rss url", "home page", "web page", "webpage", "web address"]),
    "PHOTO": ("direct", ["=photo", "photo path", "photopath", "=photograph", "=picture",
                         "=avatar", "=portrait", "headshot", "=mugshot", "=selfie", "=foto",
                         "profile picture", "profile photo", "profile image"]),
    "LICENSE_PLATE": ("direct", [
        "license plate", "licence plate", "number plate", "=plate", "kennzeichen",
        "immatriculation", "=matricula", "=targa", "kenteken", "=placa", "=vin",
    ]),
    "MEDICAL_RECORD_NUMBER": ("direct", [
        "=mrn", "medical record", "medicalrecord", "patient id", "patientid", "patient number",
        "patient no", "chart number", "=chart", "health insurance", "insurance number",
        "insurance id", "member id", "memberid", "policy number", "krankenversicherung",
        "versichertennummer", "patientennummer", "=fallnummer", "=usubjid", "=subjid",
        "unique subject", "subject identifier",
    ]),
    "CASE_NUMBER": ("direct", ["case number", "case no", "case id", "docket", "=casenum",
                               "court case", "=aktenzeichen"]),
    "PERSON_ID": ("direct", [
        "=empno", "=empid", "=custid", "=cust", "=matricule", "=matr", "kundennummer",
        "mitarbeiternummer", "personalnummer", "numero client", "id cliente", "klantnummer",
        "account id", "accountid", "reports to", "=reportsto", "=mgr", "=mgrid",
        "=managerid", "manager", "=supervisor", "support rep", "sales rep", "=supportrep",
        "=salesrep", "=subject", "subject id", "=respondent", "=pers", "=persid",
        *_role_keys(),
    ]),
    "STREET_ADDRESS": ("direct", [
        "address", "=addr", "street", "street address", "=address line", "adresse",
        "anschrift", "strasse", "hausnummer", "house number", "direccion", "domicilio",
        "=calle", "indirizzo", "=adres", "straat", "huisnummer", "endereco",
        "=rua", "logradouro", "=rue", "home address", "mailing address", "=address1",
        "=address2", "address 1", "address 2", "street1", "street2", "=voie",
    ]),
    "ZIP": ("quasi", [
        "=zip", "zipcode", "zip code", "postcode", "post code", "postal code", "postalcode",
        "=postal", "=plz", "postleitzahl", "code postal", "codepostal", "codigo postal",
        "=cap", "=cep", "=postcode", "=zip5", "=zip3", "=zip4",
    ]),
    "DATE_OF_BIRTH": ("quasi", [
        "=dob", "birth date", "birthdate", "date of birth", "dateofbirth", "birthday",
        "=born", "geburtsdatum", "geburtstag", "=geboren", "date de naissance", "naissance",
        "fecha de nacimiento", "nacimiento", "data di nascita", "nascita", "geboortedatum",
        "data de nascimento", "nascimento", "=yob", "birth year", "birthyear",
        "year of birth", "=geburtsjahr", "=bday", "birth month", "birth day", "birth dt",
        "=birth", "annee de naissance",
        "mois de naissance", "jour de naissance", "=dob year", "birth yr",
    ]),
    "AGE": ("quasi", [
        "=age", "=ages", "=alter", "=edad", "=leeftijd", "=idade", "age group",
        "age band", "agegroup", "ageband", "age at", "=age years", "=age yrs",
        "altersgruppe", "tranche d age", "grupo de edad", "fascia di eta", "=eta",
        "=agegr", "age category", "age cat", "=age range",
    ]),
    "GENDER": ("quasi", [
        "=sex", "gender", "geschlecht", "=sexe", "=genre", "=sexo", "genero", "=sesso",
        "geslacht", "=genere", "=anrede", ]),
    "ETHNICITY": ("quasi", [
        "=race", "ethnicity", "=ethnic", "ethnie", "=etnia", "etnicidad", "=raza",
        "afkomst", "=raca", "ethnic group", "ethnicgroup", "race ethnicity", "herkunft",
        "hispanic", "=latino", "=latina", "=latinx", "person of color", "person of colour",
        "people of color", "=poc", "=bipoc", "skin color", "skin colour",
        "=races", "=racial",
    ]),
    "MARITAL_STATUS": ("quasi", [
        "marital", "marital status", "civil status", "familienstand", "etat civil",
        "situation familiale", "estado civil", "stato civile", "burgerlijke staat",
        "=relationship", "married", "=spouse", "=maritalstatus",
    ]),
    "HOUSEHOLD": ("quasi", [
        "=siblings", "=sibling", "=sibs", "=spouses", "=children", "=kids",
        "dependents", "dependants", "household size", "household", "family size",
        "number of children", "nb enfants", "=enfants", "kinder", "=hijos", "=figli",
        "=parents",
    ]),
    "TITLE": ("quasi", [
        "title of courtesy", "titleofcourtesy", "=courtesy", "=honorific", "=salutation",
        "=civilite", "=prefix", "=suffix", "name prefix", "name suffix",
        "name title", "=tratamiento",
    ]),
    "OCCUPATION": ("quasi", [
        "occupation", "=job", "job title", "jobtitle", "profession", "=beruf",
        "berufsbezeichnung", "=metier", "ocupacion", "profesion", "=puesto", "professione",
        "occupazione", "=beroep", "ocupacao", "profissao", "=cargo", "job position",
        "designation", "=position", "=pos", "=fonction", "=mandate", "=department", "=dept",
        "=division", "job role", "=role", "=title", "contact title", "specialty",
        "speciality", "=specialization", "=abteilung", "=poste", "categorie socio professionnelle", "socio professionnelle", "=csp", "=paygrade", "pay grade", "=seniority", "=profesion",
    ]),
    "EMPLOYMENT_STATUS": ("quasi", [
        "employment status", "emp status", "employment", "=employed",
        "=terminated", "=recruitment", "work status", "employee status", "=active employee",
    ]),
    "ORG": ("quasi", [
        "=employer", "employer name", "==company", "==firm", "==organisation",
        "==organization", "==org", "==team", "==club", "==school", "==university",
        "==college", "==league", "=arbeitgeber", "==entreprise", "==empresa", "==azienda",
        "=werkgever", "==team name", "==workplace", "=workplace",
    ]),
    "EDUCATION": ("quasi", [
        "education", "=degree", "schooling", "qualification", "=bildung", "=abschluss",
        "schulabschluss", "=diplome", "niveau d etudes", "educacion", "=estudios",
        "istruzione", "titolo di studio", "opleiding", "educacao", "escolaridade",
        "highest degree", "=educ", "=edu", "education level",
    ]),
    "NATIONALITY": ("quasi", [
        "nationality", "=country", "native country", "nativecountry", "citizenship",
        "=citizen", "citizen desc", "=pays", "=pais", "=paese", "nationalite",
        "staatsangehorigkeit", "staatsangehoerigkeit", "nacionalidad", "nazionalita",
        "nationaliteit", "nacionalidade", "country of birth",
        "geburtsort", "lieu de naissance", "lugar de nacimiento", "luogo di nascita",
        "=language", "mother tongue", "=sprache", "=langue", "=idioma", "birth country",
        "=immigrant", "=immigration", "=residency",
    ]),
    "LOCATION": ("quasi", [
        "=city", "=town", "=ort", "=stadt", "=wohnort", "=ville", "=ciudad", "localidad",
        "=citta", "=comune", "=stad", "=plaats", "woonplaats", "=cidade", "municipio",
        "=state", "=estado", "=province", "=region", "=county", "bundesland", "=provincia",
        "=departement", "=district", "=kreis", "=gemeinde", "=locality", "=village",
        "=residence", "=location", "=lat", "=lon", "=lng", "latitude", "longitude",
        "geolocation", "=coordinates", "=gps", "=neighborhood", "=neighbourhood",
        "=suburb", "=borough", "=prefecture", "=zone", "=fips", "census tract", "=tract",
        "=commune", "=canton", "=circonscription", "=arrondissement", "=municipality",
        "=birthplace", "birth place", "birth city",
        "birth state", "death place", "=hometown", "home town", "county name", "state name", "country name", "city name",
        "region name", "place of residence", "where you live", "where do you live", ]),
    "DATE": ("quasi", [
        "=date", "=datum", "=fecha", "=dttm", "=datetime",
        "=timestamp", "=ts", "=time", "=hour", "=heure", "=hora", "=uhrzeit", "=year",
        "=yr", "=yyyy", "=month", "=day", "=weekday", "=dow", "=day of week",
        "=annee", "=jahr", "=ano", "=anno", "=mois", "=monat", "=mes", "=mese", "=jour",
        "=dia", "=giorno", "=zeit", "=tz", "=timezone", "time zone",
        "admission date", "discharge date", "visit date", "date of death", "death date",
        "=dod", "=admitted", "=discharged", "hire date", "hiredate", "=date of",
        "aufnahmedatum", "=deceased", "=death", "death year", "death month", "death day",
        "=start", "=stop", "=end", "=begin", "=created", "=signup", "=registered", "=joined",
        "=login time", "=enrolled", "=enrollment", "=enrolment", "=admission", "=discharge", "=hire",
        "=hired", "=termination", "=separation", "=onset", "=arrest date", "=visit",
        "=since", "=expiry", "=expires", "=arrival", "=departure", "=checkin",
        "=checkout", "=arrest", ]),
    "VITAL_STATUS": ("quasi", [
        "=survived", "=survival", "=alive", "=dead", "=died", "vital status",
        "=deceased flag", "=is dead", "=is alive",
    ]),
    "PHYSICAL": ("quasi", [
        "=height", "=weight", "=handedness", "=handed", "dominant hand", "eye color",
        "eye colour", "hair color", "hair colour", "=eyes", "=hair", "=tattoo", "=tattoos",
        "shoe size", "=groesse", "=taille", "=gewicht", "=poids", "=peso", "=altura",
        "body weight", "body height", "=stature", "=build", "=complexion",
    ]),
    "DEVICE": ("quasi", ["user agent", "useragent", "=browser", "=user agent string",
                         "=http user agent"]),
    "HEALTH": ("sensitive", [
        "diagnosis", "diagnose", "diagnostic", "diagnostico", "diagnosi", "disease",
        "=condition", "=conditions", "illness", "=medical", "medication", "medications",
        "prescription", "treatment", "symptom", "symptoms", "=icd", "=icd10", "=icd9",
        "=icd 10", "=icd 9", "=cpt", "=hcpcs", "=loinc", "=ndc", "=snomed", "=snomedct",
        "=rxnorm", "=rxcui", "=cvx", "=meddra", "=atc", "=dx", "=rx", "=diag", "=proc",
        "=health", "health status", "blood type", "bloodtype", "blood group", "allergy",
        "allergies", "disability", "disabilities", "=hiv", "=cancer", "=diabetes",
        "krankheit", "erkrankung", "maladie", "enfermedad", "malattia", "=ziekte",
        "=doenca", "medicamento", "pregnancy", "pregnant", "mental health", "=bmi",
        "=smoker", "=smoking", "=smokes", "=smoke", "=cigarettes", "=cigarette",
        "=tobacco", "=vape", "=vaping", "=drink alcohol", "=alcoholic", "=diet", "=disabled", "=alcohol", "=drinker", "=therapy", "=drug",
        "=drugs", "hypertension", "=stroke", "glucose", "cholesterol", "blood pressure",
        "=heart", "=asthma", "=depression", "=anxiety", "=hba1c", "=insulin",
        "=vaccinated", "=vaccination", "=vaccine", "=immunization", "=immunisation",
        "=covid", "=infection", "=injury", "=injuries", "=medicine", "=procedure",
        "comorbidity", "comorbidities", "=outcome", "encounter class",
        "encounterclass", "encounter type", "=dispenses", "=dispensed", "=refills",
        "=dose", "=dosage", "=doses", "length of stay", "=los", "=inpatient",
        "=outpatient", "=hospitalized", "=hospitalised", "=hospitalization",
        "=hospitalisation", "=icu", "=adverse", "adverse event", "adverse events",
        "=serious", "=seriousness", "=severity", "=causality", "=toxicity",
        "=trt", "=arm", "=arms", "treatment arm", "=placebo", "cause of death",
        "=substance", "=substance use", "=symptomatic", "=sick", "=sickness",
        "=handicap", "=lab", "lab result", "lab test", "=specimen", "=pathology",
        "=tumor", "=tumour", "=psychiatric", "=mental", "medical history",
        "=immunizations", "=allergen", "=indication", "=reaction",
        "=pulse", "=systolic", "=diastolic", "=vital signs",
        "=reason code", "reasoncode", "reason description", "=careplan", "=care plan",
        "=observation", "=observations", "=condition code", "=diagnosis code",
        "=medical code", "=clinical", "=patient status", "=gesundheit", "=sante",
        "=salud", "=salute",
    ]),
    "RELIGION": ("sensitive", [
        "religion", "religious", "=faith", "konfession", "religione", "godsdienst",
        "religiao", "denomination", "=belief", "=beliefs", "=church", "=confession",
        "=pray", "=prayer", "=praying", "=worship", "=mosque", "=synagogue", "=religiously",
    ]),
    "INCOME": ("sensitive", [
        "income", "salary", "=wage", "=wages", "=pay", "compensation", "=earnings",
        "einkommen", "=gehalt", "=lohn", "=revenu", "salaire", "ingresos", "salario",
        "=sueldo", "=reddito", "stipendio", "=inkomen", "salaris", "=loon", "=renda",
        "net worth", "networth", "credit score", "creditscore", "=debt", "=loan",
        "=bonus", "=pension", "=wealth", "=savings", "=salaries", "=payroll", "=earn",
        "=earned", "=earns", "household income", "family income", "personal income",
    ]),
    "FINANCIAL": ("sensitive", [
        "=amount", "=amt", "=fare", "=fares", "=tip", "=tips", "=toll", "=tolls",
        "=total", "=bill", "total bill", "=cost", "=costs", "=charge", "=charges",
        "=fee", "=fees", "=paid", "=payment amount", "=expenses", "=expense",
        "=expenditure", "=coverage", "=claim", "=claims", "=reimbursement", "=balance",
        "=donation", "=donations", "=contribution", "=contributions", "=spend", "=spent",
        "=spending", "=purchase amount", "=owed", "=due", "=debit", "=credit amount",
        "=montant", "=betrag", "=importe", "=importo", "=bedrag", "=valor",
        "=total cost", "=base cost", "=claim cost", "=payer coverage",
        "=copay", "=deductible", "=premium", "=insurance premium", "=fine", "=fines",
        "=bail", "=rent", "=mortgage",
    ]),
    "CRIMINAL_RECORD": ("sensitive", [
        "criminal", "conviction", "convictions", "=offense", "=offence", "=offenses",
        "=offences", "=arrests", "recidivist", "vorstrafe", "casier judiciaire", "antecedentes penales",
        "=crime", "=crimes", "=felony", "=felonies",
        "=misdemeanor", "=misdemeanour", "=priors", "=recidivism", "=recidivist", "risk score", "=sentence", "=sentencing",
        "=incarcerated", "=incarceration", "=parole", "=probation", "=armed",
        "=violent", "=suspension", "=suspensions", "=suspended", "=warrant",
        "=inmate", "=verdict", "charge degree", "charge description", "=convicted", "=custody", "=jail", "=prison",
    ]),
    "EMPLOYMENT_EVALUATION": ("sensitive", [
        "performance", "=perf", "performance score", "=appraisal", "=evaluation", "performance review", "=engagement",
        "engagement survey", "=satisfaction", "=disciplinary",
        "=discipline", "=absences", "=absence", "=absent", "days late", "=lateness",
        "=tardiness", "=warnings", "term reason", "termination reason",
        "reason for leaving", "exit reason", "=grievance", "=grievances", "=complaints",
        "=sick days", "=sick leave", "=misconduct",
    ]),
    "SEXUAL_ORIENTATION": ("sensitive", [
        "sexual orientation", "=orientation", "sexuality", "sexuelle orientierung",
        "orientation sexuelle", "orientacion sexual", "orientamento sessuale",
        "=sex life", "sexual activity", "sexual partners", "=lgbt", "=lgbtq", "=cheated",
        "=cheat", "=affair", "=affairs", "=infidelity", "=unfaithful", "=sexual",
        "=sex partners", "=sexually",
    ]),
    "POLITICAL_OPINION": ("sensitive", [
        "political", "politics", "=party", "party affiliation", "party affiliations",
        "=vote", "=voting", "=voted", "=partei", "=parti", "=partido", "=partito",
        "=partij", "=caucus", "=politique", "=politica", "=politico", "=politisch",
        "=ideology", "=affiliation", "=affiliations",
    ]),
    "TRADE_UNION": ("sensitive", [
        "trade union", "union member", "union membership", "gewerkschaft", "syndicat",
        "sindicato", "=union", "=unionized", "=unionised", "labor union", "labour union",
    ]),
    "GENETIC": ("sensitive", ["=genetic", "=genome", "=dna", "=genotype", "=gene",
                              "=genes", "=allele", "=snp", "=mutation", "=brca"]),
    "BIOMETRIC": ("sensitive", [
        "fingerprint", "biometric", "face id", "=retina", "=iris scan", "=faceprint",
        "=voiceprint", "face template", "=facial",
    ]),
}

# Keywords that name a date part: the content check takes numbers in the part's range.
DATE_PART_WORDS = {
    "year": ("year", "yr", "yyyy", "annee", "jahr", "ano", "anno", "yob", "birth year",
             "birthyear", "year of birth", "geburtsjahr", "death year", "birth yr",
             "annee de naissance", "dob year"),
    "month": ("month", "mois", "monat", "mes", "mese", "birth month", "death month",
              "mois de naissance"),
    "day": ("day", "jour", "dia", "giorno", "birth day", "death day", "birthday",
            "jour de naissance"),
    "weekday": ("weekday", "dow", "day of week"),
    "time": ("time", "hour", "heure", "hora", "uhrzeit", "zeit"),
    "zone": ("tz", "timezone", "time zone"),
}
# Date keywords that are events rather than the word "date": they need date-shaped content.
DATE_EVENT_WORDS = frozenset({
    "start", "stop", "end", "begin", "debut", "final game", "finalgame", "pickup",
    "dropoff", "created", "signup", "registered", "joined", "since", "expiry", "expires",
    "arrival", "departure", "checkin", "checkout", "admission", "discharge", "hire",
    "hired", "termination", "separation", "onset", "visit", "enrolled", "enrollment",
    "enrolment", "death", "deceased", "admitted", "discharged", "termstart", "term start",
    "term end", "mandat", "arrest", "jail in", "jail out", "custody in", "custody out",
    "in custody", "out custody", "birth",
})

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
    "address", "inventory", "rental", "payment", "encounter", "claim", "visit", "payer",
    "insurer", "facility", "agency", "franchise", "division", "release",
    "released", "publication", "published", "founded", "established", "built", "opened",
    "manufactured", "genre", "media", "playlist", "label", "type",
    "line", "log", "template", "component", "process", "thread", "pid", "node",
    "block", "page", "post", "comment", "message", "document", "report", "survey",
    "question", "answer", "measure", "indicator", "metric", "title", "park",
    "stadium", "router", "gateway", "printer", "camera", "controller", "switch",
    "firmware", "serial", "asset", "equipment", "tool", "instrument", "study", "trial",
    "protocol", "centre", "center", "district",
})
# Thing qualifiers that mark a machine: an IP or MAC address of one is not a person's.
MACHINE_WORDS = frozenset({
    "device", "server", "host", "hostname", "node", "sensor", "machine", "router",
    "gateway", "printer", "camera", "controller", "switch", "firewall", "proxy",
    "datanode", "namenode", "cluster", "dest", "destination", "dst", "target", "upstream",
    "backend", "vm", "container", "pod", "instance", "nas", "plc", "appliance",
})
# Header tokens that make a column bookkeeping of the database, not of the person (R6).
BOOKKEEPING_WORDS = frozenset({
    "update", "updated", "modified", "modify", "modification", "changed", "etl", "loaded",
    "ingested", "inserted", "synced", "sync", "lastupdate", "lastmodified", "rowversion",
    "processed", "imported", "exported", "extracted", "refreshed",
})
# Header tokens that say a column is about data quality, not about the person (R24).
METADATA_WORDS = frozenset({
    "known", "missing", "imputed", "available", "availability", "flag source", "quality",
    "verified", "valid", "validated", "confidence", "certainty", "precision", "accuracy",
})
# Header tokens of a table about animals, plants or specimens: nobody in it is a person.
ANIMAL_WORDS = frozenset({
    "species", "breed", "animal", "animals", "genus", "taxon", "taxa", "strain", "cultivar",
    "specimen", "penguin", "bird", "dog", "cat", "horse", "cattle", "fish", "plant",
})
# Header tokens that mark a count or statistic of many (R22): never one person's value.
AGGREGATE_WORDS = frozenset({
    "share", "pct", "percent", "percentage", "rate", "ratio", "population", "median", "mean",
    "avg", "average", "proportion", "households", "residents", "deaths", "cases",
    "utilization", "utilisation", "capacity", "beds", "km", "per", "sum", "std", "variance",
})
# Header tokens of technical fields of logs and protocols: not about a person by themselves.
TECHNICAL_WORDS = frozenset({
    "http", "version", "verb", "method", "protocol", "response", "bytes", "pid", "program",
    "process", "level", "component", "module", "thread", "checksum", "hash", "encoding",
    "mime", "format", "status code", "template", "severity level", "loglevel", "facility",
    "priority", "exit code", "signal", "opcode", "port",
})

# Plain words of column names, for splitting compounds (TOTALCOST, raceethnicity, homephone).
# The lexicon's own tokens and the abbreviations below are added to these in header.py.
COMMON_WORDS = (
    "id", "no", "nr", "num", "number", "key", "code", "codes", "ref", "type", "kind", "name",
    "names", "date", "time", "year", "years", "month", "day", "days", "week", "hour",
    "minute", "second", "desc", "description", "total", "cost", "base", "reason", "class",
    "count", "first", "last", "middle", "full", "given", "of", "at", "on", "in", "to", "by",
    "for", "and", "per", "is", "has", "was", "start", "end", "stop", "status", "flag",
    "value", "amount", "rate", "score", "level", "group", "category", "source", "target",
    "home", "work", "office", "primary", "secondary", "current", "previous", "new", "old",
    "min", "max", "avg", "mean", "sum", "pct", "percent", "health", "care", "report",
    "reports", "account", "position", "term", "place", "line", "path", "file", "notes",
    "note", "comment", "comments", "special", "project", "projects", "late", "pay", "bill",
    "price", "unit", "units", "quantity", "qty", "order", "product", "item", "invoice",
    "billing", "shipping", "ship", "via", "freight", "title", "form", "list", "size",
    "length", "width", "depth", "area", "stay", "visit", "admission", "discharge",
    "review", "fair", "from", "since", "until", "before", "after", "prior", "next",
    "total", "net", "gross", "tax", "fee", "free", "paid", "due", "open", "close", "closed",
    "active", "valid", "known", "unknown", "missing", "other", "main", "alt", "alternate",
    "second", "third", "label", "text", "short", "long", "local", "global", "public",
    "private", "official", "legal", "display", "preferred", "original", "final", "initial",
    "update", "updated", "created", "modified", "deleted", "version", "sequence", "seq",
    "order", "rank", "index", "row", "record", "entry", "event", "log", "message", "body",
    "header", "content", "template", "level", "component", "process", "program", "thread",
    "request", "response", "result", "results", "test", "check", "answer", "question",
    "survey", "study", "site", "center", "centre", "team", "league", "game", "games",
    "season", "match", "round", "home", "away", "win", "wins", "loss", "losses", "points",
    "goals", "store", "shop", "film", "movie", "track", "album", "song", "book", "media",
    "genre", "language", "country", "region", "zone", "area", "sector", "industry",
    "market", "segment", "channel", "campaign", "device", "browser", "platform",
    "system", "server", "host", "client", "agent", "referrer", "url", "link", "page",
    "bytes", "http", "method", "verb", "protocol", "port", "duration", "distance",
    "speed", "weight", "height", "temperature", "temp", "pressure", "humidity", "wind",
    "rain", "snow", "weather", "reading", "sensor", "serial", "firmware", "model",
    "make", "brand", "color", "colour", "style", "material", "origin", "destination",
    "departure", "arrival", "trip", "route", "stop", "station", "seat", "cabin", "room",
    "floor", "building", "street", "road", "house", "household", "family", "size",
    "people", "person", "individual", "member", "members", "owner", "parent", "child",
    "spouse", "partner", "contact", "emergency", "next", "kin", "relation", "relative",
    "relationship", "reason", "cause", "effect", "outcome", "type", "mode", "method",
    "payer", "coverage", "healthcare", "claim", "encounter", "provider", "organization",
    "organisation", "supplier", "vendor", "customer", "employee", "manager", "user",
    "login", "logged", "sign", "signup", "signin", "session", "success", "failed",
    "attempt", "attempts", "error", "errors", "warning", "info", "debug", "level",
    "description", "expenses", "revenue", "utilization", "dispenses", "procedure",
    "medication", "condition", "allergy", "immunization", "observation", "diagnosis",
    "dept", "emp", "social", "security", "insurance", "policy", "plan", "drug", "dose",
    "frequency", "severity", "serious", "adverse", "treatment", "arm", "actual", "planned",
    "baseline", "education", "birth", "death", "sex", "gender", "race", "ethnic",
    "marital", "married", "citizen", "hispanic", "latino", "performance", "engagement",
    "satisfaction", "salary", "income", "payment", "fare", "tip", "tips", "phone",
    "fax", "email", "mail", "mobile", "cell", "extension", "web", "site", "photo",
    "address", "city", "state", "postal", "zip", "county", "lat", "lon", "courtesy",
    "hire", "termination", "employment", "recruitment", "absences", "suffix", "prefix",
    "maiden", "nick", "passport", "license", "licence", "company", "school", "party",
    "election", "candidate", "donor", "recipient", "vote", "votes", "district", "seat",
    "office", "chamber", "senate", "house", "committee", "law", "enforcement", "police",
    "officer", "court", "case", "charge", "offense", "arrest", "custody", "jail",
    "prison", "sentence", "release", "released", "publication", "published", "built",
    "founded", "year", "age", "band", "range", "bucket", "bin", "decile", "quartile",
    "percentile", "share", "ratio", "population", "median", "average", "estimate",
)
