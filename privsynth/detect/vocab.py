"""Value vocabularies: what the values of a sex, race, marital-status... column look like.

Small closed vocabularies are written out here (several languages); open ones (first and last
names, cities, regions, countries, street words, jobs) come from Faker's bundled locale data,
which ships with the package, so nothing is downloaded. All values are `normalize`d (lowercase,
accents stripped) so lookups are plain set membership.
"""

from __future__ import annotations

import importlib
from functools import lru_cache

from privsynth.detect.header import normalize

LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pt_BR", "pt_PT",
           "en_IE", "de_AT", "fr_CH", "es_MX", "en_CA", "en_AU", "sv_SE", "pl_PL", "da_DK")

GENDER = frozenset({
    "m", "f", "male", "female", "man", "woman", "men", "women", "boy", "girl", "mr", "mrs",
    "ms", "miss", "mr.", "mrs.", "ms.", "non-binary", "nonbinary", "non binary", "diverse",
    "divers", "intersex", "transgender", "trans", "genderqueer", "agender", "x", "u", "d",
    "mannlich", "weiblich", "maennlich", "herr", "frau", "w", "homme", "femme", "h",
    "masculin", "feminin", "hombre", "mujer", "masculino", "femenino", "varon", "maschio",
    "femmina", "uomo", "donna", "maschile", "femminile", "vrouw", "mannelijk", "vrouwelijk",
    "v", "mulher", "homem", "feminino",
})
# Values that may sit in a sex column but say nothing on their own.
GENDER_FILLER = frozenset({"other", "unknown", "n/a", "na", "prefer not to say", "?", "-",
                           "not stated", "unspecified", "sonstige", "autre", "otro"})

ETHNICITY = frozenset({
    "white", "black", "asian", "hispanic", "latino", "latina", "latinx", "caucasian",
    "african american", "african-american", "black or african american", "amer-indian-eskimo",
    "asian-pac-islander", "american indian", "american indian or alaska native",
    "alaska native", "native american", "pacific islander", "native hawaiian",
    "native hawaiian or other pacific islander", "two or more races", "multiracial", "mixed",
    "mixed race", "middle eastern", "arab", "indian", "pakistani", "bangladeshi", "chinese",
    "white british", "white other", "black african", "black caribbean", "aboriginal",
    "indigenous", "maori", "hispanic or latino", "not hispanic or latino", "non-hispanic white",
    "non-hispanic black", "other race", "blanc", "noir", "asiatique", "blanco", "negro",
    "asiatico", "bianco", "nero", "branca", "preta", "parda", "amarela", "indigena",
    "weiss", "schwarz", "asiatisch", "group a", "group b", "group c", "group d", "group e",
})

MARITAL = frozenset({
    "married", "single", "divorced", "widowed", "widow", "widower", "separated",
    "never-married", "never married", "married-civ-spouse", "married-spouse-absent",
    "married-af-spouse", "domestic partnership", "civil partnership", "partnered",
    "cohabiting", "engaged", "in a relationship", "husband", "wife", "unmarried",
    "not-in-family", "own-child", "other-relative", "verheiratet", "ledig", "geschieden",
    "verwitwet", "getrennt", "marie", "mariee", "celibataire", "divorce", "divorcee", "veuf",
    "veuve", "pacse", "casado", "casada", "soltero", "soltera", "divorciado", "divorciada",
    "viudo", "viuda", "sposato", "sposata", "celibe", "nubile", "divorziato", "vedovo",
    "vedova", "gehuwd", "getrouwd", "ongehuwd", "gescheiden", "weduwe", "weduwnaar",
    "solteiro", "solteira", "viuvo", "viuva", "uniao estavel",
})

RELIGION = frozenset({
    "christian", "christianity", "catholic", "roman catholic", "protestant", "orthodox",
    "evangelical", "baptist", "methodist", "lutheran", "anglican", "mormon", "muslim",
    "islam", "sunni", "shia", "jewish", "judaism", "hindu", "hinduism", "buddhist",
    "buddhism", "sikh", "sikhism", "jain", "atheist", "agnostic", "no religion",
    "none/atheist", "spiritual", "shinto", "taoist", "bahai", "katholisch", "evangelisch",
    "romisch-katholisch", "muslimisch", "judisch", "konfessionslos", "catholique",
    "musulman", "juif", "athee", "catolico", "catolica", "judio", "ateo", "cattolico", "ebreo", "katholiek", "protestants", "moslim",
    "joods", "islamitisch", "evangelico", "espirita", "umbanda",
})

EDUCATION = frozenset({
    "bachelors", "bachelor", "bachelor's", "bachelor's degree", "masters", "master",
    "master's", "master's degree", "doctorate", "phd", "ph.d.", "md", "jd", "mba",
    "hs-grad", "high school", "high school graduate", "high school diploma", "some-college",
    "some college", "assoc-acdm", "assoc-voc", "associate", "associate's degree",
    "associate degree", "prof-school", "professional degree", "preschool", "kindergarten",
    "primary", "primary school", "elementary", "elementary school", "middle school",
    "secondary", "secondary school", "ged", "diploma", "college", "graduate", "postgraduate",
    "undergraduate", "less than high school", "no formal education", "vocational",
    "1st-4th", "5th-6th", "7th-8th", "9th", "10th", "11th", "12th", "abitur", "hauptschule",
    "realschule", "mittlere reife", "studium", "promotion", "ausbildung", "lehre",
    "fachhochschule", "baccalaureat", "bac", "licence", "doctorat", "bts", "cap", "brevet",
    "bachillerato", "licenciatura", "grado", "doctorado", "eso", "primaria", "secundaria",
    "laurea", "diploma di maturita", "dottorato", "licenza media", "vwo", "havo", "vmbo",
    "mbo", "hbo", "wo", "ensino medio", "ensino fundamental", "ensino superior",
    "graduacao", "mestrado", "doutorado", "none", "some high school",
})

BLOOD_TYPES = frozenset({"a+", "a-", "b+", "b-", "ab+", "ab-", "o+", "o-", "0+", "0-",
                         "a pos", "a neg", "b pos", "b neg", "o pos", "o neg", "ab pos",
                         "ab neg"})

SEXUAL_ORIENTATION = frozenset({
    "heterosexual", "straight", "homosexual", "gay", "lesbian", "bisexual", "pansexual",
    "asexual", "queer", "questioning", "heterosexuell", "homosexuell", "bisexuell",
    "heterosexuel", "homosexuel", "bisexuel",
})

# Capitalised words that are names in Faker's lists but mean something else in a table.
NAME_STOPWORDS = frozenset({
    "white", "black", "brown", "green", "gray", "grey", "young", "king", "long", "short",
    "little", "small", "rich", "hill", "wood", "woods", "lane", "price", "rose", "may",
    "june", "april", "august", "march", "summer", "winter", "hunter", "miller", "mason",
    "cook", "baker", "male", "female", "man", "woman", "never", "married", "single",
    "asian", "other", "unknown", "none", "true", "false", "yes", "no", "new", "north",
    "south", "east", "west", "street", "avenue", "road", "park", "lake", "river",
    "state", "city", "county", "united", "states", "america", "american", "english",
    "french", "german", "spanish", "italian", "dutch", "china", "india", "jordan",
    "georgia", "virginia", "carolina", "dakota", "washington", "lincoln", "jackson",
    "madison", "houston", "austin", "dallas", "denver", "phoenix", "orlando", "florence",
    "paris", "london", "victoria", "sydney", "chester", "salem", "mobile", "gene",
    "bill", "art", "will", "mark", "grant", "chase", "bond", "love", "hope", "faith",
    "joy", "grace", "sunny", "dean", "page", "case", "bell", "ward", "field", "gold",
    "silver", "stone", "well", "wells", "good", "best", "light", "dark", "fine", "ill",
    "blue", "red", "sales", "tech", "support", "manager", "director", "doctor", "nurse",
    "teacher", "engineer", "husband", "wife", "own", "child", "married-civ-spouse",
    "private", "public", "self", "local", "gov", "federal", "high", "low", "medium",
    "bachelors", "masters", "doctorate", "grad", "school", "college", "some", "prof",
    "amer", "indian", "eskimo", "pac", "islander", "hispanic", "latino", "caucasian",
    "christian", "muslim", "jewish", "catholic", "protestant", "buddhist", "hindu",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "sun", "mon", "tue", "wed", "thu", "fri", "sat", "mr", "mrs", "ms", "dr",
    "premium", "standard", "basic", "platinum", "active", "inactive",
})

# Words that make a name a company's ("Sons and Miller", "Kim Inc", "Cook PLC").
ORG_WORDS = frozenset({
    "inc", "llc", "ltd", "plc", "gmbh", "ag", "sa", "sarl", "srl", "spa", "bv", "nv", "corp",
    "corporation", "company", "co", "group", "holdings", "partners", "associates", "sons",
    "and", "&", "bank", "hospital", "clinic", "university", "school", "college", "church",
    "foundation", "institute", "center", "centre", "services", "solutions", "systems",
    "technologies", "industries", "international", "enterprises",
    "kg", "ohg", "cie", "lp", "llp", "pty", "limited", "trust", "society", "club",
    "health", "healthcare", "medical", "care", "community", "regional", "memorial",
    "airport", "airlines", "airways", "association", "federation", "committee", "fund",
    "pac", "council", "ministry", "authority", "board", "commission", "department", "agency",
    "laboratories", "labs", "pharmacy", "pharmaceuticals", "wellness", "practice",
    "bros", "brothers", "stiftung", "verein", "inc.", "ltd.", "co.", "corp.", "llc.",
    "municipal", "intl", "airfield", "airpark", "heliport", "aerodrome", "s.a.", "ltda",
    "s.a", "a/s", "oy", "ab", "kk", "sas", "s.r.l.", "s.p.a.",
})

# Answers of a yes/no question: no place, employer or title.
YES_NO = frozenset({"yes", "no", "y", "n", "true", "false", "don't know", "dont know",
                    "doesn't apply", "does not apply", "not sure", "unsure", "maybe",
                    "prefer not to say", "prefer not to answer", "n/a", "oui", "non", "ja",
                    "nein", "si", "sim", "nao"})

# Values of a party column (several countries) - a political opinion (GDPR Art. 9).
PARTY_WORDS = frozenset({
    "democrat", "democrats", "democratic", "republican", "republicans", "independent",
    "libertarian", "green party", "greens", "labour", "labour party", "conservative",
    "conservatives", "liberal", "liberal democrat", "liberal democrats", "socialist",
    "communist", "democratic-farmer-labor", "gop", "bipartisan", "spd", "cdu", "csu", "fdp",
    "afd", "die linke", "die grunen", "lfi", "eelv", "psoe", "podemos", "m5s",
    "fratelli d'italia", "pvv", "vvd", "cda", "d66", "psdb",
    "snp", "ukip", "reform uk", "plaid cymru", "sinn fein", "fianna fail", "fine gael",
    "independant", "sans etiquette", "divers gauche", "divers droite", "divers centre",
    "union de la gauche", "union de la droite", "union du centre", "extreme gauche",
    "extreme droite", "ecologiste", "regionaliste", "republicain", "republicains",
    "socialiste", "communiste", "centriste",
})

# Head words of job titles ("Area Sales Manager", "Accountant I").
JOB_WORDS = frozenset({
    "manager", "engineer", "technician", "analyst", "assistant", "representative", "director",
    "president", "coordinator", "specialist", "supervisor", "clerk", "officer",
    "administrator", "consultant", "developer", "accountant", "nurse", "teacher", "sales",
    "support", "executive", "associate", "intern", "trainee", "lead", "head", "chief",
    "ceo", "cfo", "cto", "coo", "vp", "architect", "designer", "programmer", "scientist",
    "researcher", "professor", "lecturer", "lawyer", "attorney", "paralegal", "secretary",
    "receptionist", "operator", "driver", "mechanic", "electrician", "plumber", "carpenter",
    "cashier", "cook", "chef", "waiter", "waitress", "janitor", "guard", "agent", "advisor",
    "adviser", "auditor", "controller", "buyer", "planner", "scheduler", "dispatcher",
    "therapist", "physician", "surgeon", "pharmacist", "dentist", "technologist", "editor",
    "writer", "producer", "marketing", "recruiter", "generalist", "partner", "owner",
    "founder", "worker", "labourer", "laborer", "foreman", "inspector", "estimator",
    "superintendent", "practitioner", "practice", "general", "senator",
    "governor", "mayor", "councillor", "councilor", "deputy", "minister", "senateur",
    "depute", "maire", "conseiller", "employe", "employee", "cadre", "ouvrier", "agriculteur",
    "artisan", "commercant", "retraite", "retired", "student", "unemployed", "homemaker",
})

# Values meaning "no value".
PLACEHOLDERS = frozenset({"", "-", "--", "---", "n/a", "na", "n.a.", "null", "none", "nil",
                          "?", "nan", "unknown", "not available", "missing", "(null)", ".",
                          "#n/a", "undefined", "empty"})

MONTHS = frozenset({
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "january", "february", "march", "april", "june", "july", "august", "september",
    "october", "november", "december", "januar", "februar", "marz", "mai", "juni", "juli",
    "oktober", "dezember", "janvier", "fevrier", "mars", "avril", "juin", "juillet", "aout",
    "septembre", "octobre", "novembre", "decembre", "enero", "febrero", "marzo", "abril",
    "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
})
WEEKDAYS = frozenset({
    "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun", "monday",
    "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "montag", "dienstag",
    "mittwoch", "donnerstag", "freitag", "samstag", "sonntag", "lundi", "mardi", "mercredi",
    "jeudi", "vendredi", "samedi", "dimanche", "lunes", "martes", "miercoles", "jueves",
    "viernes", "sabado", "domingo", "weekday", "weekend",
})
# Parts of a day a form records instead of a clock time.
DAY_PARTS = frozenset({"breakfast", "brunch", "lunch", "dinner", "supper", "morning",
                       "afternoon", "evening", "night", "midday", "noon", "midnight", "am",
                       "pm", "a.m.", "p.m."})
# Titles of courtesy and name affixes.
TITLES = frozenset({
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "jr", "sr", "ii", "iii", "iv", "v", "md",
    "phd", "esq", "sir", "dame", "rev", "fr", "hon", "mr.", "mrs.", "ms.", "dr.", "prof.",
    "jr.", "sr.", "rev.", "m.", "mme", "mlle", "herr", "frau", "sra", "srta", "dott",
    "dott.", "sig", "sig.", "sig.ra", "dhr", "mevr", "lord", "lady", "capt", "col", "gen",
    "master", "mstr", "madame", "monsieur", "don", "dona", "senor", "senora",
})

# Workflow states: a "state" or "job" column holding these is about a process, not a person.
STATUS_WORDS = frozenset({
    "open", "closed", "active", "inactive", "pending", "done", "failed", "running", "queued",
    "completed", "complete", "cancelled", "canceled", "new", "in progress", "on hold",
    "approved", "rejected", "draft", "published", "archived", "deleted", "enabled",
    "disabled", "success", "error", "ok", "shipped", "delivered", "returned", "paid",
    "unpaid", "resolved", "unresolved", "started", "stopped", "idle", "waiting", "offen",
    "geschlossen", "ouvert", "ferme", "abierto", "cerrado", "aperto", "chiuso",
})

# Capitalised English words that start sentences in free text; never a name or a place.
COMMON_WORDS = frozenset({
    "the", "a", "an", "and", "or", "but", "he", "she", "they", "we", "i", "you", "it", "his",
    "her", "their", "our", "my", "your", "this", "that", "these", "those", "call", "called",
    "born", "lives", "living", "moved", "patient", "customer", "client", "please", "contact",
    "email", "phone", "note", "notes", "see", "per", "spoke", "asked", "said",
    "met", "visit", "visited", "seen", "follow", "follow-up", "reported", "complains",
    "denies", "admitted", "discharged", "works", "worked", "from", "to", "in", "on",
    "at", "by", "for", "with", "of", "about", "after", "before", "today", "yesterday",
    "tomorrow", "if", "when", "while", "also", "no", "not", "new", "old", "good", "bad",
    "thanks", "thank", "hello", "hi", "dear", "regards", "best", "ok", "okay", "yes",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "order",
    "account", "ticket", "case", "issue", "request", "address", "street", "city",
})

# US states (Faker's en_US has them too, but abbreviations are mixed with other codes).
_MAJOR_CITIES = (
    "new york", "los angeles", "chicago", "houston", "phoenix", "philadelphia",
    "san antonio", "san diego", "dallas", "san jose", "austin", "jacksonville",
    "fort worth", "columbus", "charlotte", "san francisco", "indianapolis", "seattle",
    "denver", "washington", "boston", "el paso", "nashville", "detroit", "oklahoma city",
    "portland", "las vegas", "memphis", "louisville", "baltimore", "milwaukee",
    "albuquerque", "tucson", "fresno", "sacramento", "kansas city", "mesa", "atlanta",
    "omaha", "colorado springs", "raleigh", "miami", "long beach", "virginia beach",
    "oakland", "minneapolis", "tulsa", "tampa", "arlington", "new orleans", "cleveland",
    "honolulu", "anaheim", "pittsburgh", "st. louis", "cincinnati", "orlando", "buffalo",
    "salt lake city", "richmond", "boise", "spokane", "madison", "newark", "toronto",
    "montreal", "vancouver", "calgary", "ottawa", "mexico city", "guadalajara",
    "monterrey", "london", "manchester", "birmingham", "leeds", "glasgow", "liverpool",
    "edinburgh", "bristol", "cardiff", "belfast", "dublin", "cork", "paris", "marseille",
    "lyon", "toulouse", "nice", "nantes", "strasbourg", "montpellier", "bordeaux", "lille",
    "rennes", "berlin", "hamburg", "munich", "munchen", "cologne", "koln", "frankfurt",
    "stuttgart", "dusseldorf", "leipzig", "dortmund", "essen", "bremen", "dresden",
    "hannover", "nurnberg", "vienna", "wien", "graz", "salzburg", "zurich", "geneva",
    "geneve", "basel", "bern", "madrid", "barcelona", "valencia", "sevilla", "seville",
    "zaragoza", "malaga", "bilbao", "rome", "roma", "milan", "milano", "naples", "napoli",
    "turin", "torino", "palermo", "genoa", "genova", "bologna", "florence", "firenze",
    "venice", "venezia", "amsterdam", "rotterdam", "the hague", "den haag", "utrecht",
    "eindhoven", "groningen", "brussels", "bruxelles", "antwerp", "antwerpen", "ghent",
    "lisbon", "lisboa", "porto", "braga", "sao paulo", "rio de janeiro", "brasilia",
    "salvador", "fortaleza", "belo horizonte", "manaus", "curitiba", "recife",
    "porto alegre", "buenos aires", "cordoba", "rosario", "santiago", "lima", "bogota",
    "medellin", "cali", "caracas", "quito", "montevideo", "tokyo", "osaka", "yokohama",
    "nagoya", "sapporo", "kyoto", "kobe", "fukuoka", "beijing", "shanghai", "shenzhen",
    "guangzhou", "hong kong", "taipei", "seoul", "busan", "singapore", "bangkok", "jakarta",
    "manila", "hanoi", "ho chi minh city", "kuala lumpur", "mumbai", "delhi", "new delhi",
    "bangalore", "bengaluru", "hyderabad", "chennai", "kolkata", "pune", "karachi",
    "lahore", "dhaka", "istanbul", "ankara", "tehran", "baghdad", "riyadh", "dubai",
    "cairo", "lagos", "nairobi", "johannesburg", "cape town", "casablanca", "sydney",
    "melbourne", "brisbane", "perth", "adelaide", "auckland", "wellington", "moscow",
    "saint petersburg", "kyiv", "kiev", "warsaw", "warszawa", "krakow", "prague", "praha",
    "budapest", "bucharest", "sofia", "athens", "stockholm", "oslo", "copenhagen",
    "helsinki", "reykjavik",
)


def _attr(module: str, name: str) -> list:
    try:
        mod = importlib.import_module(module)
    except ImportError:
        return []
    value = getattr(getattr(mod, "Provider", None), name, None)
    if value is None:
        return []
    if isinstance(value, dict):
        value = list(value.keys())
    out = []
    for v in value:
        if isinstance(v, tuple | list):
            out.extend(str(x) for x in v)
        else:
            out.append(str(v))
    return out


def _norm_set(values) -> frozenset[str]:
    return frozenset(normalize(v).strip() for v in values if v and str(v).strip())


# Name lists only: scripts and cultures beyond the address locales above.
NAME_LOCALES = LOCALES + ("ja_JP", "zh_CN", "zh_TW", "ko_KR", "hi_IN", "en_IN", "ru_RU",
                          "ar_AA", "tr_TR", "el_GR", "vi_VN", "th_TH", "id_ID", "fil_PH",
                          "uk_UA", "cs_CZ", "hu_HU", "ro_RO", "fi_FI", "no_NO", "en_NG")


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    names: list[str] = []
    for loc in NAME_LOCALES:
        for attr in ("first_names", "first_names_male", "first_names_female"):
            names += _attr(f"faker.providers.person.{loc}", attr)
    return _norm_set(names) - NAME_STOPWORDS


@lru_cache(maxsize=1)
def last_names() -> frozenset[str]:
    names: list[str] = []
    for loc in NAME_LOCALES:
        names += _attr(f"faker.providers.person.{loc}", "last_names")
    # Compound surnames ("van der Berg") are matched token by token; CJK surnames are short.
    return _norm_set(t for n in names for t in n.split()
                     if len(t) > 2 or not t.isascii()) - NAME_STOPWORDS


@lru_cache(maxsize=1)
def cities() -> frozenset[str]:
    names = list(_MAJOR_CITIES)
    for loc in LOCALES + ("ja_JP",):
        for attr in ("cities", "towns", "bairros"):
            names += _attr(f"faker.providers.address.{loc}", attr)
    return frozenset(n for n in _norm_set(names) if any(c.isalpha() for c in n))


@lru_cache(maxsize=1)
def regions() -> frozenset[str]:
    names: list[str] = []
    for loc in LOCALES + ("ja_JP",):
        for attr in ("states", "states_abbr", "provinces", "regions", "departments",
                     "counties", "estados", "prefectures", "cap_city_province"):
            names += _attr(f"faker.providers.address.{loc}", attr)
    return frozenset(n for n in _norm_set(names) if len(n) > 1 and any(c.isalpha() for c in n))


@lru_cache(maxsize=1)
def countries() -> frozenset[str]:
    names: list[str] = ["usa", "us", "u.s.", "uk", "u.k.", "united-states", "england",
                        "scotland", "wales", "holand-netherlands", "outlying-us(guam-usvi-etc)",
                        "south", "hong", "trinadad&tobago", "columbia", "yugoslavia"]
    for loc in LOCALES + ("ja_JP",):
        names += _attr(f"faker.providers.address.{loc}", "countries")
    out = _norm_set(names)
    # Hyphenated spellings ("United-States", "El-Salvador") as in census extracts.
    return out | frozenset(n.replace(" ", "-") for n in out)


@lru_cache(maxsize=1)
def nationalities() -> frozenset[str]:
    demonyms = ("american", "british", "english", "german", "french", "spanish", "italian",
                "dutch", "portuguese", "brazilian", "mexican", "canadian", "chinese",
                "japanese", "korean", "indian", "pakistani", "russian", "polish", "turkish",
                "greek", "swedish", "norwegian", "danish", "finnish", "irish", "scottish",
                "austrian", "swiss", "belgian", "australian", "argentine", "argentinian",
                "colombian", "peruvian", "chilean", "cuban", "filipino", "vietnamese",
                "thai", "indonesian", "nigerian", "egyptian", "moroccan", "ukrainian",
                "romanian", "hungarian", "czech", "deutsch", "francais", "francaise",
                "espanol", "espanola", "italiano", "italiana", "nederlands", "brasileiro",
                "brasileira", "portugues", "portuguesa")
    return frozenset(demonyms)


@lru_cache(maxsize=1)
def street_words() -> frozenset[str]:
    words: list[str] = []
    for loc in LOCALES:
        for attr in ("street_suffixes", "street_suffixes_long", "street_suffixes_short",
                     "street_prefixes"):
            words += _attr(f"faker.providers.address.{loc}", attr)
    words += ["street", "st", "st.", "avenue", "ave", "ave.", "road", "rd", "rd.", "lane",
              "ln", "drive", "dr", "dr.", "boulevard", "blvd", "way", "place", "pl", "court",
              "ct", "terrace", "parkway", "highway", "hwy", "square", "circle", "trail",
              "strasse", "str", "str.", "weg", "gasse", "platz", "allee", "ring", "damm",
              "rue", "chemin", "impasse", "allee", "quai", "route", "calle", "avenida",
              "paseo", "plaza", "camino", "carrera", "via", "viale", "piazza", "corso",
              "largo", "vicolo", "straat", "laan", "plein", "gracht", "kade", "singel",
              "rua", "travessa", "praca", "alameda", "rodovia", "estrada", "apt", "apt.",
              "suite", "unit", "po box"]
    return _norm_set(w.strip(".") for w in words) | _norm_set(words)


@lru_cache(maxsize=1)
def jobs() -> frozenset[str]:
    names: list[str] = []
    for loc in ("en_US", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pt_BR", "en_GB"):
        names += _attr(f"faker.providers.job.{loc}", "jobs")
    names += ["adm-clerical", "exec-managerial", "handlers-cleaners", "prof-specialty",
              "other-service", "sales", "craft-repair", "transport-moving", "farming-fishing",
              "machine-op-inspct", "tech-support", "protective-serv", "armed-forces",
              "priv-house-serv", "nurse", "teacher", "engineer", "manager", "doctor",
              "physician", "lawyer", "accountant", "clerk", "driver", "student", "retired",
              "unemployed", "homemaker", "self-employed", "technician", "salesperson",
              "cashier", "farmer", "programmer", "software engineer", "developer",
              "consultant", "analyst", "scientist", "professor", "electrician", "plumber",
              "carpenter", "mechanic", "chef", "cook", "waiter", "waitress", "pharmacist",
              "dentist", "police officer", "firefighter", "soldier", "pilot", "architect",
              "designer", "writer", "artist", "musician", "secretary", "receptionist"]
    return _norm_set(names)


@lru_cache(maxsize=1)
def places() -> frozenset[str]:
    """Cities and regions together (countries are kept apart: they mean nationality)."""
    return frozenset(p for p in cities() | regions()
                     if len(p) >= 3 and p not in COMMON_WORDS and p not in _NOT_PLACES)


_NOT_PLACES = frozenset({"yes", "true", "false", "none", "other", "unknown", "male", "female",
                         "white", "black", "asian", "single", "married", "divorced"})


@lru_cache(maxsize=1)
def known_names() -> frozenset[str]:
    """First and last names together."""
    return first_names() | last_names()


@lru_cache(maxsize=1)
def person_stop() -> frozenset[str]:
    """Whole values that are never a person's name."""
    return NAME_STOPWORDS | GENDER | ETHNICITY


@lru_cache(maxsize=1)
def country_words() -> frozenset[str]:
    """Countries and nationalities."""
    return countries() | nationalities()
