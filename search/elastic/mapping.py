"""The Elasticsearch page index: its settings and mappings, and the document of one page.

One Elasticsearch document per page (``_id`` = page id), carrying its document's metadata. The
page text is analysed twice: ``text`` with a folding analyzer (``lowercase`` + ``asciifolding``)
and ``text.exact`` with ``lowercase`` only; filter fields are ``keyword`` fields holding the
same folded keys as the SQLite index (``search.keys``).
"""

from __future__ import annotations

from typing import Any

from search.contract import PageEntry
from search.folding import normalize
from search.keys import ISO_DATE, field_key, record_key
from search.query import number_key

__all__ = ["index_body", "page_source"]


def index_body(*, shards: int = 1, replicas: int = 1) -> dict[str, Any]:
    """Settings and mappings of a page index (also what the unit tests check)."""
    keyword = {"type": "keyword"}
    return {
        "settings": {
            "number_of_shards": shards,
            "number_of_replicas": replicas,
            "analysis": {
                "analyzer": {
                    "vi_folded": {
                        "type": "custom",
                        "tokenizer": "standard",
                        "filter": ["lowercase", "asciifolding"],
                    },
                    "vi_exact": {
                        "type": "custom",
                        "tokenizer": "standard",
                        "filter": ["lowercase"],
                    },
                },
            },
        },
        "mappings": {
            "dynamic": "strict",
            "properties": {
                "page_id": {"type": "long"},
                "document_id": {"type": "long"},
                "page_no": {"type": "integer"},
                "text": {
                    "type": "text",
                    "analyzer": "vi_folded",
                    "fields": {"exact": {"type": "text", "analyzer": "vi_exact"}},
                },
                "number": {**keyword, "index": False},
                "number_key": keyword,
                "type_code": keyword,
                "type_code_key": keyword,
                "type_name": keyword,
                "type_name_key": keyword,
                "organ": {"type": "text", "analyzer": "vi_folded", "fields": {"raw": keyword}},
                "organ_key": keyword,
                "issued": keyword,
                "issued_date": {"type": "date", "format": "strict_date||yyyy-MM||yyyy"},
                "title": {"type": "text", "analyzer": "vi_folded"},
                "record": keyword,
                "fonds": keyword,
                "record_key": keyword,  # "FONDS/RECORD", what Access.records holds
                "unit": keyword,
                "access": keyword,
                "year": keyword,  # "2024" or absent, for the year facet
            },
        },
    }


def page_source(entry: PageEntry) -> dict[str, Any]:
    """The Elasticsearch document of one page."""
    source: dict[str, Any] = {
        "page_id": entry.page_id,
        "document_id": entry.document_id,
        "page_no": entry.page_no,
        "text": normalize(entry.text),
        "number": entry.number,
        "number_key": number_key(entry.number),
        "type_code": entry.type_code,
        "type_code_key": field_key(entry.type_code),
        "type_name": entry.type_name,
        "type_name_key": field_key(entry.type_name),
        "organ": entry.organ,
        "organ_key": field_key(entry.organ),
        "issued": entry.issued,
        "title": entry.title,
        "record": entry.record,
        "fonds": entry.fonds,
        "record_key": record_key(entry.fonds, entry.record),
        "unit": entry.unit,
        "access": entry.access,
    }
    if entry.issued and ISO_DATE.fullmatch(entry.issued):
        source["issued_date"] = entry.issued
        source["year"] = entry.issued[:4]
    return source
