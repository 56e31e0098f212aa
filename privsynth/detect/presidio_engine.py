"""Build a presidio AnalyzerEngine that never touches the network, once per process.

- NLP: a spaCy NER model if one is installed (en_core_web_sm/md/lg/trf), else presidio's no-op
  engine (no model at all; names and places then come from our deny-list recognizers).
- tldextract (used by presidio's email validation) gets an extractor built with
  ``suffix_list_urls=()`` and ``cache_dir=None``: the bundled public-suffix snapshot, no fetch.
- Recognizers: presidio's pattern and checksum recognizers (email, phone, credit card with
  Luhn, IBAN, IP, URL, US SSN, ...) plus privsynth's own (`recognizers.py`).
"""

from __future__ import annotations

import logging
import threading
from functools import lru_cache
from typing import Any

_LOCK = threading.Lock()
_NER_MODELS = ("en_core_web_lg", "en_core_web_md", "en_core_web_sm", "en_core_web_trf")
PHONE_REGIONS = ("US", "GB", "DE", "FR", "ES", "IT", "NL", "BR", "PT", "JP", "CA", "AU", "CH",
                 "AT", "BE", "IE", "MX", "IN")


@lru_cache(maxsize=1)
def offline_tld_extractor() -> Any:
    """A TLDExtract that uses only the snapshot bundled with tldextract."""
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def installed_ner_model() -> str | None:
    """Name of an installed spaCy English NER model, or None."""
    import importlib.util

    for name in _NER_MODELS:
        if importlib.util.find_spec(name) is not None:
            return name
    return None


def _offline_email_recognizer():
    from presidio_analyzer.predefined_recognizers import EmailRecognizer

    class OfflineEmailRecognizer(EmailRecognizer):
        """presidio's email recognizer validating the domain against the bundled suffix list."""

        def validate_result(self, pattern_text: str) -> bool:
            return offline_tld_extractor()(pattern_text).fqdn != ""

    return OfflineEmailRecognizer()


def build_analyzer(use_ner: bool | None = None):
    """A fresh offline AnalyzerEngine (slow: use `get_analyzer` for the cached one)."""
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NoOpNlpEngine
    from presidio_analyzer.predefined_recognizers import PhoneRecognizer

    from privsynth.detect.recognizers import privsynth_recognizers

    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    model = installed_ner_model() if use_ner in (None, True) else None
    if model is not None:
        from presidio_analyzer.nlp_engine import NlpEngineProvider

        nlp_engine = NlpEngineProvider(nlp_configuration={
            "nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": model}],
        }).create_engine()
    else:
        nlp_engine = NoOpNlpEngine(models=[{"lang_code": "en", "model_name": "no_op"}])
        nlp_engine.load()
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(languages=["en"], nlp_engine=nlp_engine)
    if model is None:  # the spaCy recognizer needs NER output the no-op engine cannot give
        for rec in list(registry.recognizers):
            if rec.name in ("SpacyRecognizer",):
                registry.remove_recognizer(rec.name)
    registry.remove_recognizer("EmailRecognizer")
    registry.add_recognizer(_offline_email_recognizer())
    registry.remove_recognizer("PhoneRecognizer")
    registry.add_recognizer(PhoneRecognizer(supported_regions=PHONE_REGIONS))
    for rec in privsynth_recognizers("en"):
        if model is not None and rec.name in ("PersonNameRecognizer", "LocationRecognizer"):
            continue  # the NER model does names and places better than a deny-list
        registry.add_recognizer(rec)
    return AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["en"])


def get_analyzer():
    """The process-wide offline AnalyzerEngine, built on first use."""
    with _LOCK:
        return _cached()


@lru_cache(maxsize=1)
def _cached():
    return build_analyzer()
